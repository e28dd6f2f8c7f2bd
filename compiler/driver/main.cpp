//===- compiler/driver/main.cpp - hybc entry point ------------------------===//
//
// argv -> runDriver; nothing else.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"

#include <vector>

int main(int Argc, char **Argv) {
  std::vector<llvm::StringRef> Args(Argv + 1, Argv + Argc);
  return hybc::runDriver(Args);
}
