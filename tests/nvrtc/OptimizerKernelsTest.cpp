//===- tests/nvrtc/OptimizerKernelsTest.cpp - Optimizer kernels compile ---===//
//
/// \file
/// Every optimizer kernel of codegen/EmitOptimizer.h (Adam, EMA, fake
/// quantisation, the Muon helpers and the batched segment-wide Muon kernels
/// of GpuOptimizer) and the resident gradient accumulation compiles with NVRTC to an sm_90a CUBIN without a GPU,
/// for a small odd shape and the PG-sized 512x2240 Mamba-3 in_proj.
//
//===----------------------------------------------------------------------===//

#include "codegen/EmitOptimizer.h"
#include "codegen/EmitTrainStep.h"
#include "runtime/gpu/GpuModule.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::gpu;

namespace {

void addKernels(int64_t Rows, int64_t Cols, std::vector<KernelSpec> &Ks) {
  const int64_t N = Rows * Cols, Small = std::min(Rows, Cols);
  const int64_t Stride = (N + 63) / 64 * 64,
                GramStride = (Small * Small + 63) / 64 * 64;
  for (bool Round : {false, true}) {
    Ks.push_back(emitAdamStep(N, Round));
    Ks.push_back(emitScaleInplace(N, Round));
    Ks.push_back(emitDivideByNorm(N, Round));
    Ks.push_back(emitMuonMomentum(N, Round));
    for (KernelSpec &K : emitBatchedFrobeniusNormalize(4, N, Stride, Round))
      Ks.push_back(std::move(K));
    Ks.push_back(emitNsGram(4, Small * Small, GramStride, Round));
    Ks.push_back(emitNsPoly(4, Small * Small, GramStride, Round));
    Ks.push_back(emitNsUpdate(4, N, Stride, true, Round));
    Ks.push_back(emitNsUpdate(4, N, Stride, false, Round));
    Ks.push_back(emitMuonApplyBatched(4, N, Stride, Round, Round));
  }
  Ks.push_back(emitEmaUpdate(N));
  Ks.push_back(emitFakeQuantRows(Rows, Cols, 6));
  Ks.push_back(emitRowNormalize(Rows, Cols));
  Ks.push_back(emitBatchedRowNormalize(4, Rows, Cols, Stride));
  for (KernelSpec &K : emitFrobeniusNorm(N))
    Ks.push_back(std::move(K));
  Ks.push_back(emitAccumulate(Stride)); // resident gradient accumulation
}

TEST(OptimizerKernels, CompileToSm90aWithNvrtc) {
  std::vector<KernelSpec> Specs;
  addKernels(3, 100, Specs);
  addKernels(512, 2240, Specs);
  KernelCacheConfig C;
  C.Disk = false;
  KernelCache Cache(C);
  NvrtcOptions O;
  O.EmitPtx = false;
  llvm::Expected<std::vector<CachedKernel>> All = compileAll(Cache, Specs, O);
  HYBC_ASSERT_EXPECTED(All);
  ASSERT_EQ(All->size(), Specs.size());
  for (const CachedKernel &K : *All)
    EXPECT_TRUE(llvm::StringRef(K.Cubin).startswith("\x7f"
                                                    "ELF"))
        << K.Name;
}

} // namespace
