//===- compiler/driver/DataCommand.cpp - `hybc data` ----------------------===//
//
// Forwards `hybc data ...` to the data library.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "runtime/data/DataCommands.h"

llvm::Error runDataCommandDriver(llvm::ArrayRef<llvm::StringRef> Args,
                                 llvm::raw_ostream &OS) {
  return hybc::data::runDataCommand(Args, OS);
}
