//===- tests/nvrtc/GeneratedKernelsTest.cpp - Generated kernels compile ---===//
//
/// \file
/// Runs `hybc compile <example> --emit cu -o DIR` for every examples/*.hyb
/// and compiles each DIR/**/*.cu (kernel name = file stem) to an sm_90a
/// CUBIN with NVRTC, in parallel, without a GPU. Skipped while the hybc
/// binary is missing or codegen cannot emit CUDA yet.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuModule.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include "llvm/Support/Program.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

std::vector<std::string> filesWithExt(llvm::StringRef Dir,
                                      llvm::StringRef Ext) {
  std::vector<std::string> Out;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator It(Dir, EC), End;
       !EC && It != End; It.increment(EC))
    if (llvm::sys::path::extension(It->path()) == Ext)
      Out.push_back(It->path());
  std::sort(Out.begin(), Out.end());
  return Out;
}

/// Runs hybc; returns its exit code and fills \p Stderr.
int runHybc(llvm::ArrayRef<llvm::StringRef> Args, const TempDir &T,
            std::string &Stderr) {
  std::string ErrPath = T.path("stderr.txt");
  llvm::Optional<llvm::StringRef> Redirects[] = {llvm::None, llvm::None,
                                                 llvm::StringRef(ErrPath)};
  std::string Msg;
  int Rc = llvm::sys::ExecuteAndWait(HYBC_BINARY, Args, llvm::None, Redirects,
                                     /*SecondsToWait=*/300, 0, &Msg);
  Stderr = readFileText(ErrPath) + Msg;
  return Rc;
}

/// Adds every .cu under \p Dir as a spec named after the file.
void collectKernels(llvm::StringRef Dir, std::vector<KernelSpec> &Specs) {
  for (const std::string &Cu : filesWithExt(Dir, ".cu")) {
    KernelSpec S;
    S.Name = llvm::sys::path::stem(Cu).str();
    S.Source = readFileText(Cu);
    Specs.push_back(std::move(S));
  }
}

TEST(GeneratedKernels, EveryExampleCompilesToSm90a) {
  if (!llvm::sys::fs::exists(HYBC_BINARY))
    GTEST_SKIP() << "hybc binary not built: " << HYBC_BINARY;
  std::vector<KernelSpec> Specs;
  std::string Unfinished;
  for (const std::string &Example : filesWithExt(HYBC_EXAMPLES_DIR, ".hyb")) {
    TempDir Out;
    std::string Err;
    int Rc = runHybc(
        {HYBC_BINARY, "compile", Example, "--emit", "cu", "-o", Out.path("cu")},
        Out, Err);
    // Codegen grows op by op: examples with ops it cannot emit yet are
    // reported, not failed; any other failure is a bug.
    if (Rc != 0 &&
        (Err.find("not available in this build") != std::string::npos ||
         Err.find("not yet implemented") != std::string::npos)) {
      Unfinished += "  " + llvm::sys::path::filename(Example).str() + ": " +
                    llvm::StringRef(Err).trim().str() + "\n";
      continue;
    }
    ASSERT_EQ(Rc, 0) << "hybc compile " << Example << " --emit cu failed:\n"
                     << Err;
    collectKernels(Out.path("cu"), Specs);
  }
  if (!Unfinished.empty())
    std::cout << "examples codegen cannot emit yet:\n" << Unfinished;
  if (Specs.empty())
    GTEST_SKIP() << "no generated .cu files\n" << Unfinished;
  TempDir Dump;
  KernelCacheConfig C;
  C.Disk = false;
  KernelCache Cache(C);
  NvrtcOptions O;
  O.EmitPtx = false;
  O.DumpDir = Dump.dir();
  llvm::Expected<std::vector<CachedKernel>> All = compileAll(Cache, Specs, O);
  HYBC_ASSERT_EXPECTED(All);
  EXPECT_EQ(All->size(), Specs.size());
  for (const CachedKernel &K : *All)
    EXPECT_TRUE(llvm::StringRef(K.Cubin).startswith("\x7f"
                                                    "ELF"))
        << K.Name;
}

} // namespace
