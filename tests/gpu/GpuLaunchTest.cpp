//===- tests/gpu/GpuLaunchTest.cpp - NVRTC kernels on the device ----------===//
//
/// \file
/// Kernels compiled through the KernelCache, loaded as GpuKernels and
/// launched from KernelSpecs: results, register/spill attributes, argument
/// checks, the >48 KiB shared-memory opt-in, CUDA graph capture and replay,
/// and a GpuModule over DeviceArena buffers.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Arena.h"
#include "runtime/gpu/GpuModule.h"
#include "tests/gpu/GpuFixture.h"

#include <cmath>

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

class GpuLaunch : public GpuTest {
protected:
  std::unique_ptr<GpuKernel> load(llvm::StringRef Name, llvm::StringRef Src,
                                  unsigned Shared = 0) {
    NvrtcOptions O;
    O.Arch = archForComputeCapability(Driver->device().CcMajor,
                                      Driver->device().CcMinor);
    llvm::Expected<CachedKernel> K = Cache.get(Name, Src, O);
    EXPECT_TRUE(static_cast<bool>(K)) << llvm::toString(K.takeError());
    if (!K)
      return nullptr;
    llvm::Expected<std::unique_ptr<GpuKernel>> G =
        GpuKernel::load(*Driver, Name, K->Cubin, Shared);
    EXPECT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
    return G ? std::move(*G) : nullptr;
  }
  static KernelCacheConfig cacheIn(const TempDir &D) {
    KernelCacheConfig C;
    C.Dir = D.path("cache");
    return C;
  }
  TempDir Dir;
  KernelCache Cache{cacheIn(Dir)};
};

TEST_F(GpuLaunch, SaxpyMatchesTheCpu) {
  const int64_t N = 100003;
  std::unique_ptr<GpuKernel> K = load("hybc_test_saxpy", saxpySource());
  ASSERT_TRUE(K);
  EXPECT_GT(K->attributes().NumRegs, 0);
  EXPECT_EQ(K->attributes().LocalBytes, 0) << "no spills";
  EXPECT_GE(K->attributes().MaxThreads, 256);
  std::vector<float> X = pattern(N, 3), Y = pattern(N, 4);
  DeviceFloats DX(*Driver, N), DY(*Driver, N);
  HYBC_ASSERT_OK(DX.upload(X));
  HYBC_ASSERT_OK(DY.upload(Y));
  LaunchArg Args[] = {LaunchArg::buffer(DX.ptr()), LaunchArg::buffer(DY.ptr()),
                      LaunchArg::f32(0.5f), LaunchArg::i64(N)};
  HYBC_ASSERT_OK(K->launch(saxpySpec(N), Args, nullptr));
  HYBC_ASSERT_OK(Driver->ctxSynchronize());
  llvm::Expected<std::vector<float>> Out = DY.download();
  HYBC_ASSERT_EXPECTED(Out);
  for (int64_t I = 0; I < N; ++I)
    ASSERT_EQ((*Out)[I], std::fma(0.5f, X[I], Y[I])) << "element " << I;
}

TEST_F(GpuLaunch, BadArgumentsAndConfigsAreErrors) {
  std::unique_ptr<GpuKernel> K = load("hybc_test_saxpy", saxpySource());
  ASSERT_TRUE(K);
  DeviceFloats DX(*Driver, 16);
  LaunchArg Short[] = {LaunchArg::buffer(DX.ptr())};
  HYBC_EXPECT_ERROR(K->launch(saxpySpec(16), Short, nullptr),
                    "launched with 1 arguments");
  LaunchArg Args[] = {LaunchArg::buffer(DX.ptr()), LaunchArg::buffer(DX.ptr()),
                      LaunchArg::f32(1), LaunchArg::i64(16)};
  unsigned Grid[3] = {1, 1, 1}, Block[3] = {4096, 1, 1};
  HYBC_EXPECT_ERROR(K->launchRaw(Grid, Block, 0, Args, nullptr),
                    "kernel 'hybc_test_saxpy'", "cuLaunchKernel");
  HYBC_ASSERT_OK(Driver->ctxSynchronize()); // The context survives.
}

TEST_F(GpuLaunch, DynamicSharedMemoryAbove48KiB) {
  const unsigned Shared = 65536, Blocks = 4, N = 16384 * Blocks;
  std::unique_ptr<GpuKernel> K =
      load("hybc_test_smem_reverse", smemReverseSource(), Shared);
  ASSERT_TRUE(K);
  EXPECT_GE(K->attributes().MaxDynamicSharedBytes, int(Shared));
  std::vector<float> In = pattern(N, 5);
  DeviceFloats DIn(*Driver, N), DOut(*Driver, N);
  HYBC_ASSERT_OK(DIn.upload(In));
  KernelSpec S;
  S.Name = "hybc_test_smem_reverse";
  S.Grid[0] = Blocks;
  S.Block[0] = 256;
  S.SharedBytes = Shared;
  S.Args = {{KernelArg::Buffer, "in", "const float *", false, N, 1},
            {KernelArg::Buffer, "out", "float *", true, N, 2}};
  LaunchArg Args[] = {LaunchArg::buffer(DIn.ptr()),
                      LaunchArg::buffer(DOut.ptr())};
  HYBC_ASSERT_OK(K->launch(S, Args, nullptr));
  llvm::Expected<std::vector<float>> Out = DOut.download();
  HYBC_ASSERT_EXPECTED(Out);
  for (unsigned B = 0; B < Blocks; ++B)
    for (unsigned I = 0; I < 16384; I += 997)
      ASSERT_EQ((*Out)[B * 16384 + I], In[B * 16384 + 16383 - I]);
}

TEST_F(GpuLaunch, GraphCaptureAndReplay) {
  const int64_t N = 4096;
  std::unique_ptr<GpuKernel> K = load("hybc_test_increment", incrementSource());
  ASSERT_TRUE(K);
  DeviceFloats X(*Driver, N);
  HYBC_ASSERT_OK(X.upload(std::vector<float>(N, 0.0f)));
  llvm::Expected<CuStream> S = Driver->streamCreate();
  HYBC_ASSERT_EXPECTED(S);
  unsigned Grid[3] = {unsigned(N / 256), 1, 1}, Block[3] = {256, 1, 1};
  LaunchArg Args[] = {LaunchArg::buffer(X.ptr()), LaunchArg::i64(N)};
  HYBC_ASSERT_OK(Driver->streamBeginCapture(*S));
  HYBC_ASSERT_OK(K->launchRaw(Grid, Block, 0, Args, *S));
  HYBC_ASSERT_OK(K->launchRaw(Grid, Block, 0, Args, *S));
  llvm::Expected<CuGraph> G = Driver->streamEndCapture(*S);
  HYBC_ASSERT_EXPECTED(G);
  llvm::Expected<CuGraphExec> Exec = Driver->graphInstantiate(*G);
  HYBC_ASSERT_EXPECTED(Exec);
  for (int I = 0; I < 3; ++I)
    HYBC_ASSERT_OK(Driver->graphLaunch(*Exec, *S));
  HYBC_ASSERT_OK(Driver->streamSynchronize(*S));
  llvm::Expected<std::vector<float>> Out = X.download();
  HYBC_ASSERT_EXPECTED(Out);
  EXPECT_EQ(*Out, std::vector<float>(N, 6.0f)) << "2 launches x 3 replays";
  HYBC_ASSERT_OK(Driver->graphExecDestroy(*Exec));
  HYBC_ASSERT_OK(Driver->graphDestroy(*G));
  HYBC_ASSERT_OK(Driver->streamDestroy(*S));
}

TEST_F(GpuLaunch, ModuleOverArenaBuffers) {
  const int64_t N = 5000;
  Plan P;
  P.Kernels.push_back(saxpySpec(N));
  P.Buffers = {{1, N, PlanBuffer::Param, 0, "f32"},
               {2, N, PlanBuffer::Activation, 0, "f32"}};
  P.Steps.push_back(PlanStep());
  P.LossValue = 2;
  ArenaOptions AO;
  AO.OptStateBytes = {1024};
  llvm::Expected<ArenaPlan> AP = planArena(P, AO);
  HYBC_ASSERT_EXPECTED(AP);
  auto Arena = DeviceArena::allocate(*Driver, std::move(*AP));
  HYBC_ASSERT_EXPECTED(Arena);
  llvm::Expected<CuDevicePtr> X = (*Arena)->ptr(1), Y = (*Arena)->ptr(2);
  HYBC_ASSERT_EXPECTED(X);
  HYBC_ASSERT_EXPECTED(Y);
  EXPECT_NE(*X, *Y);
  EXPECT_EQ(*X % kArenaAlignment, 0u);
  HYBC_ASSERT_OK((*Arena)->zero(ArenaClass::Activations));
  std::vector<float> HX(N, 2.0f), HY(N);
  HYBC_ASSERT_OK(Driver->memcpyHtoD(*X, HX.data(), N * 4));
  NvrtcOptions O;
  O.Arch = archForComputeCapability(Driver->device().CcMajor,
                                    Driver->device().CcMinor);
  auto M = GpuModule::build(*Driver, Cache, P.Kernels, O);
  HYBC_ASSERT_EXPECTED(M);
  ASSERT_EQ((*M)->size(), 1u);
  LaunchArg Args[] = {LaunchArg::buffer(*X), LaunchArg::buffer(*Y),
                      LaunchArg::f32(3.0f), LaunchArg::i64(N)};
  HYBC_ASSERT_OK((*M)->kernel(0).launch(P.Kernels[0], Args, nullptr));
  HYBC_ASSERT_OK(Driver->memcpyDtoH(HY.data(), *Y, N * 4));
  EXPECT_EQ(HY, std::vector<float>(N, 6.0f));
}

} // namespace
