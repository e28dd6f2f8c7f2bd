//===- compiler/driver/Driver.h - hybc subcommands --------------*- C++ -*-===//
///
/// \file
/// The `hybc` command line: one function per subcommand. Each returns an
/// llvm::Error; main prints `hybc: error: <msg>` and exits 1 on failure.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_COMPILER_DRIVER_DRIVER_H
#define HYBC_COMPILER_DRIVER_DRIVER_H

#include "ir/Model.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace hybc {

/// Arguments common to commands that read a spec.
struct SpecArgs {
  std::string Path;
  std::vector<std::string> Overrides; ///< --set k=v
};

/// Splits Args into the spec path, --set overrides and the remaining flags.
/// Unknown flags are left in Rest for the command to reject.
llvm::Error parseSpecArgs(llvm::ArrayRef<llvm::StringRef> Args, SpecArgs &Out,
                          std::vector<llvm::StringRef> &Rest);

/// Resolves the spec (diagnostics to stderr) and builds its model.
llvm::Expected<std::unique_ptr<ir::Model>> loadModel(const SpecArgs &SA);

/// Pops `--flag VALUE` from Rest if present. Missing value is an error.
llvm::Error takeValue(std::vector<llvm::StringRef> &Rest,
                      llvm::StringRef Flag, std::string &Value, bool &Found);
/// Pops a boolean `--flag` from Rest.
bool takeFlag(std::vector<llvm::StringRef> &Rest, llvm::StringRef Flag);
/// Error for the first leftover argument, if any.
llvm::Error rejectRest(llvm::StringRef Cmd,
                       const std::vector<llvm::StringRef> &Rest);

int runDriver(llvm::ArrayRef<llvm::StringRef> Args);
llvm::Error runCheck(llvm::ArrayRef<llvm::StringRef> Args,
                     llvm::raw_ostream &OS);
llvm::Error runCompile(llvm::ArrayRef<llvm::StringRef> Args,
                       llvm::raw_ostream &OS);
llvm::Error runTrain(llvm::ArrayRef<llvm::StringRef> Args,
                     llvm::raw_ostream &OS);
llvm::Error runBench(llvm::ArrayRef<llvm::StringRef> Args,
                     llvm::raw_ostream &OS);

} // namespace hybc

#endif // HYBC_COMPILER_DRIVER_DRIVER_H
