//===- tests/nvrtc/NvrtcTest.cpp - NVRTC compiles without a GPU -----------===//
//
/// \file
/// compileKernel on hand-written kernels (CUBIN + PTX for sm_90a without a
/// device), the option list, architecture naming, and the failure report:
/// NVRTC log, options, saved source and repro command.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Nvrtc.h"
#include "runtime/gpu/GpuModule.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include "llvm/ADT/StringExtras.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

bool isElf(llvm::StringRef Bytes) {
  return Bytes.startswith("\x7f"
                          "ELF");
}

TEST(Nvrtc, CompilesSaxpyToSm90aCubinAndPtx) {
  NvrtcOptions O;
  llvm::Expected<CompiledKernel> K =
      compileKernel("hybc_test_saxpy", saxpySource(), O);
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_EQ(K->Name, "hybc_test_saxpy");
  EXPECT_TRUE(isElf(K->Cubin)) << "CUBIN must be an ELF image";
  EXPECT_GT(K->Cubin.size(), 512u);
  EXPECT_NE(K->Ptx.find(".entry hybc_test_saxpy"), std::string::npos);
  EXPECT_NE(K->Ptx.find(".target sm_90a"), std::string::npos);
  EXPECT_NE(K->Cubin.find("hybc_test_saxpy"), std::string::npos);
}

TEST(Nvrtc, PtxIsOptional) {
  NvrtcOptions O;
  O.EmitPtx = false;
  llvm::Expected<CompiledKernel> K =
      compileKernel("hybc_test_increment", incrementSource(), O);
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_TRUE(K->Ptx.empty());
  EXPECT_TRUE(isElf(K->Cubin));
}

TEST(Nvrtc, DefaultDeviceAllowsPlainHelpers) {
  llvm::Expected<CompiledKernel> K = compileKernel(
      "hybc_test_default_device", defaultDeviceSource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_TRUE(isElf(K->Cubin));
}

TEST(Nvrtc, CudaHeadersOnlyWhenAsked) {
  const char *Src = "#include <cuda_bf16.h>\n"
                    "extern \"C\" __global__ void hybc_test_bf16("
                    "__nv_bfloat16 *x) { x[0] = __float2bfloat16(1.0f); }\n";
  TempDir Dump;
  NvrtcOptions O;
  O.DumpDir = Dump.dir();
  HYBC_EXPECT_ERROR(compileKernel("hybc_test_bf16", Src, O).takeError(),
                    "cuda_bf16.h");
  O.IncludeCudaHeaders = true;
  O.CudaHome = HYBC_TEST_CUDA_HOME;
  llvm::Expected<CompiledKernel> K = compileKernel("hybc_test_bf16", Src, O);
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_TRUE(isElf(K->Cubin));
}

TEST(Nvrtc, OptionListIsFixedAndComplete) {
  NvrtcOptions O;
  std::vector<std::string> A = O.toArgs();
  ASSERT_GE(A.size(), 3u);
  EXPECT_EQ(A[0], "--gpu-architecture=sm_90a");
  EXPECT_EQ(A[1], "-default-device");
  EXPECT_EQ(A[2], "--std=c++17");
  std::string Joined = llvm::join(A, " ");
  EXPECT_EQ(Joined.find("fast_math"), std::string::npos) << "off by default";
  EXPECT_EQ(Joined.find("-I"), std::string::npos) << "no include by default";
  O.FastMath = true;
  O.LineInfo = true;
  O.Extra = {"-DHYBC_X=1"};
  Joined = llvm::join(O.toArgs(), " ");
  EXPECT_NE(Joined.find("--use_fast_math"), std::string::npos);
  EXPECT_NE(Joined.find("-lineinfo"), std::string::npos);
  EXPECT_EQ(O.toArgs().back(), "-DHYBC_X=1");
}

TEST(Nvrtc, ArchNames) {
  EXPECT_EQ(archForComputeCapability(9, 0), "sm_90a");
  EXPECT_EQ(archForComputeCapability(8, 0), "sm_80");
  EXPECT_EQ(archForComputeCapability(8, 9), "sm_89");
  EXPECT_EQ(archForComputeCapability(10, 0), "sm_100a");
  EXPECT_EQ(archTag("sm_90a"), "sm90a");
  NvrtcVersion V = nvrtcVersion();
  EXPECT_GE(V.Major, 12);
}

TEST(Nvrtc, OptionsFromKnobsAndDevice) {
  GpuOptions O;
  EXPECT_EQ(nvrtcOptionsFor(O).Arch, "sm_90a") << "no device: Hopper";
  DeviceInfo D;
  D.CcMajor = 8;
  D.CcMinor = 9;
  EXPECT_EQ(nvrtcOptionsFor(O, &D).Arch, "sm_89");
  O.Arch = "sm_100a";
  EXPECT_EQ(nvrtcOptionsFor(O, &D).Arch, "sm_100a") << "HYBC_ARCH wins";
  EXPECT_FALSE(nvrtcOptionsFor(O).FastMath);
  EXPECT_FALSE(nvrtcOptionsFor(O).EmitPtx);
  O.FastMath = true;
  O.Debug.Level = 6;
  O.DumpDir = "/d";
  NvrtcOptions N = nvrtcOptionsFor(O);
  EXPECT_TRUE(N.FastMath);
  EXPECT_FALSE(N.LineInfo) << "debug output must not change the CUBIN";
  EXPECT_TRUE(N.EmitPtx);
  EXPECT_EQ(N.DumpDir, "/d");
}

TEST(Nvrtc, FileStemsAreSafe) {
  EXPECT_EQ(fileStemFor("hybc_rms_norm_fwd_r4096_d512"),
            "hybc_rms_norm_fwd_r4096_d512");
  EXPECT_EQ(fileStemFor("a/b c:d"), "a_b_c_d");
  EXPECT_EQ(fileStemFor(""), "kernel");
  EXPECT_EQ(fileStemFor(std::string(300, 'k')).size(), 120u);
}

TEST(Nvrtc, FailureReportsLogOptionsSavedSourceAndRepro) {
  TempDir Dump;
  NvrtcOptions O;
  O.DumpDir = Dump.dir();
  llvm::Expected<CompiledKernel> K =
      compileKernel("hybc_test_bad", badSource(), O);
  ASSERT_FALSE(static_cast<bool>(K));
  std::string Msg = toString(K.takeError());
  std::string Saved = Dump.path("failed/hybc_test_bad.cu");
  for (const char *Sub :
       {"kernel 'hybc_test_bad' failed to compile", "NVRTC_ERROR_COMPILATION",
        "options: --gpu-architecture=sm_90a -default-device --std=c++17",
        "hybc_test_bad.cu(2): error", "hybc_undefined_name",
        "repro: nvcc -arch=sm_90a"})
    EXPECT_NE(Msg.find(Sub), std::string::npos) << Msg << "\nlacks: " << Sub;
  EXPECT_NE(Msg.find("source: " + Saved), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("-cubin -o /dev/null " + Saved), std::string::npos);
  EXPECT_EQ(readFileText(Saved), badSource());
}

TEST(Nvrtc, FailureWithoutDumpDirSavesToTemp) {
  llvm::Expected<std::string> P =
      saveFailedSource("hybc_test_tmp_save", "int x;\n", "");
  HYBC_ASSERT_EXPECTED(P);
  EXPECT_NE(P->find("hybc-failed"), std::string::npos);
  EXPECT_EQ(readFileText(*P), "int x;\n");
  llvm::sys::fs::remove(*P);
}

} // namespace
