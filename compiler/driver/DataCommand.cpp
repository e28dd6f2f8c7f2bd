//===- compiler/driver/DataCommand.cpp - `hybc data` ----------------------===//
//
// Forwards `hybc data ...` to the data library.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"

llvm::Error runDataCommandDriver(llvm::ArrayRef<llvm::StringRef> Args,
                                 llvm::raw_ostream &OS) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "data: not available in this build yet");
}
