//===- compiler/driver/TrainCommand.cpp - `hybc train` --------------------===//
//
// Parses train options and hands them to the trainer.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"

using namespace hybc;

llvm::Error hybc::runTrain(llvm::ArrayRef<llvm::StringRef> Args,
                           llvm::raw_ostream &OS) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "train: not available in this build yet");
}
