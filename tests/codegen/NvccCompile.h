//===- tests/codegen/NvccCompile.h - Compile KernelSpecs with nvcc -*- C++
//-*-===//
///
/// \file
/// Test helper: writes every KernelSpec source to a temporary `.cu` file
/// and compiles it to a CUBIN (sm_90a unless told otherwise) with
/// `nvcc -cubin` (two processes at a time), without a GPU. nvcc is
/// $HYBC_NVCC or /usr/local/cuda/bin/nvcc; tests GTEST_SKIP when it is
/// missing.
///
/// Example:
///   if (nvccPath().empty()) GTEST_SKIP() << "no nvcc";
///   EXPECT_EQ(nvccCompileAll(Specs), "");
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_CODEGEN_NVCCCOMPILE_H
#define HYBC_TESTS_CODEGEN_NVCCCOMPILE_H

#include "codegen/KernelSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace hybc {
namespace test {

/// The nvcc to use, or "" when none is installed.
inline std::string nvccPath() {
  const char *Env = std::getenv("HYBC_NVCC");
  std::string P = Env && *Env ? Env : "/usr/local/cuda/bin/nvcc";
  return llvm::sys::fs::can_execute(P) ? P : std::string();
}

/// One nvcc process in flight.
struct NvccJob {
  std::string Name, Src, Log;
  llvm::sys::ProcessInfo PI;
};

/// Starts nvcc on \p K's source; false when the temp files fail.
inline bool startNvcc(const std::string &Nvcc, const KernelSpec &K,
                      const std::string &ArchFlag, NvccJob &J) {
  llvm::SmallString<128> Src, Log;
  int FD = -1;
  if (llvm::sys::fs::createTemporaryFile("hybc-k3-" + K.Name, "cu", FD, Src))
    return false;
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << K.Source;
  }
  if (llvm::sys::fs::createTemporaryFile("hybc-k3-" + K.Name, "log", Log))
    return false;
  J.Name = K.Name, J.Src = std::string(Src), J.Log = std::string(Log);
  std::vector<llvm::StringRef> Args = {Nvcc, ArchFlag, "-cubin", "-x",
                                       "cu", J.Src,    "-o",     "/dev/null"};
  llvm::Optional<llvm::StringRef> Redirects[] = {
      llvm::None, llvm::StringRef(J.Log), llvm::StringRef(J.Log)};
  J.PI = llvm::sys::ExecuteNoWait(Nvcc, Args, llvm::None, Redirects);
  return J.PI.Pid != llvm::sys::ProcessInfo::InvalidPid;
}

/// Waits for \p J; returns "" on success, else the name and the nvcc log.
inline std::string finishNvcc(NvccJob &J) {
  llvm::sys::ProcessInfo R =
      llvm::sys::Wait(J.PI, /*SecondsToWait=*/0, /*WaitUntilTerminates=*/true);
  std::string Out;
  if (R.ReturnCode != 0) {
    auto Buf = llvm::MemoryBuffer::getFile(J.Log);
    Out = "nvcc failed on " + J.Name + " (" + J.Src + "):\n" +
          (Buf ? (*Buf)->getBuffer().str() : std::string("<no log>"));
  } else {
    llvm::sys::fs::remove(J.Src);
  }
  llvm::sys::fs::remove(J.Log);
  return Out;
}

/// Compiles every spec for \p Arch; "" when all succeed, else the failures.
inline std::string nvccCompileAll(llvm::ArrayRef<KernelSpec> Specs,
                                  llvm::StringRef Arch = "sm_90a",
                                  unsigned Parallel = 2) {
  const std::string Nvcc = nvccPath(), ArchFlag = "-arch=" + Arch.str();
  std::string Errors;
  std::vector<NvccJob> Running;
  for (size_t I = 0; I <= Specs.size(); ++I) {
    while (!Running.empty() &&
           (Running.size() >= Parallel || I == Specs.size())) {
      Errors += finishNvcc(Running.front());
      Running.erase(Running.begin());
    }
    if (I == Specs.size())
      break;
    NvccJob J;
    if (!startNvcc(Nvcc, Specs[I], ArchFlag, J)) {
      Errors += "cannot start nvcc for " + Specs[I].Name + "\n";
      continue;
    }
    Running.push_back(std::move(J));
  }
  return Errors;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_CODEGEN_NVCCCOMPILE_H
