//===- compiler/driver/main.cpp - hybc entry point ------------------------===//
//
// argv -> runDriver. One environment fix-up first: the CPU kernels use
// OpenMP, whose threads spin-wait by default between the many short
// parallel regions of a training step; on a busy 2-core machine that spin
// steals the cores from the threads doing the work (measured: 3.7 s vs
// 1.3 s per tiny.hyb step). libgomp reads OMP_WAIT_POLICY only when it is
// loaded, so hybc re-executes itself once with OMP_WAIT_POLICY=PASSIVE
// unless the user set the variable.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"

#include <cstdlib>
#include <unistd.h>
#include <vector>

int main(int Argc, char **Argv) {
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", Argv); // returns only on failure: carry on
  }
  std::vector<llvm::StringRef> Args(Argv + 1, Argv + Argc);
  return hybc::runDriver(Args);
}
