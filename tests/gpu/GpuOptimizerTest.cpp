//===- tests/gpu/GpuOptimizerTest.cpp - Device Muon + Adam vs the host ----===//
//
/// \file
/// GpuOptimizer against optim::Optimizer: examples/tiny.hyb's parameters
/// laid out by layoutParams, random parameters and three steps of random
/// gradients (momentum warm-up, LR multipliers), under the baseline and the
/// Mamba-3 hybrid configurations (MuonEq-R, weight decays, bf16 embedding).
/// Adam parameters must agree to 1e-6 relative (bit-exact expected), Muon
/// parameter changes to 2e-2 relative L2 (GEMM summation order differs),
/// padding must stay zero, the downloaded state must match the host's and
/// upload(download()) must round-trip exactly. Skipped without a device.
/// Without a device: the launch plan of the baseline GPT.
//
//===----------------------------------------------------------------------===//
#include "GpuFixture.h"

#include "frontend/Frontend.h"
#include "runtime/gpu/GpuOptions.h"
#include "runtime/train/GpuOptimizer.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>

using namespace hybc;

namespace {

std::unique_ptr<ir::Model> loadExample(llvm::StringRef File) {
  const char *Env = std::getenv("HYBC_SOURCE_DIR");
  std::string Path =
      std::string(Env ? Env : HYBC_SOURCE_DIR) + "/examples/" + File.str();
  std::string Diag;
  llvm::raw_string_ostream DS(Diag);
  auto S = loadSpec(Path, {}, DS);
  EXPECT_TRUE(static_cast<bool>(S)) << Diag;
  if (!S) {
    llvm::consumeError(S.takeError());
    return nullptr;
  }
  auto M = ir::buildModel(*S);
  EXPECT_TRUE(static_cast<bool>(M));
  if (!M) {
    llvm::consumeError(M.takeError());
    return nullptr;
  }
  return std::move(*M);
}

/// Layout-shaped host array: pattern values (times \p Scale) in every
/// parameter's slot, zero padding.
std::vector<float> layoutArray(const ir::Model &M, const GpuParamLayout &L,
                               unsigned Seed, float Scale) {
  std::vector<float> V(L.TotalFloats, 0.0f);
  for (const auto &P : M.Params) {
    std::vector<float> X = test::pattern(P->numel(), Seed + P->index());
    for (int64_t I = 0; I < P->numel(); ++I)
      V[L.offset(*P) + I] = X[I] * Scale;
  }
  return V;
}

optim::OptimizerConfig configFor(bool Hybrid) {
  if (!Hybrid)
    return optim::OptimizerConfig::baseline();
  optim::OptimizerConfig C = optim::OptimizerConfig::mamba3Hybrid();
  C.group(optim::ParamGroup::AdamEmbed).Adam.WeightDecay = 0.04;
  optim::AdamConfig &S = C.group(optim::ParamGroup::AdamScalar).Adam;
  S.WeightDecay = 0.01;
  S.WdMode = optim::AdamWeightDecay::Decoupled;
  return C;
}

/// ||(G - P0) - (C - P0)|| / ||C - P0|| over one parameter.
double relChange(const float *G, const float *C, const float *P0, int64_t N) {
  double Num = 0, Den = 0;
  for (int64_t I = 0; I < N; ++I) {
    double Dc = double(C[I]) - P0[I], Dg = double(G[I]) - P0[I];
    Num += (Dg - Dc) * (Dg - Dc);
    Den += Dc * Dc;
  }
  return std::sqrt(Num / std::max(Den, 1e-300));
}

/// Elements of \p A and \p B further apart than 1e-6 relative.
int64_t mismatches(llvm::ArrayRef<float> A, llvm::ArrayRef<float> B) {
  if (A.size() != B.size())
    return -1;
  int64_t Bad = 0;
  for (size_t I = 0; I < A.size(); ++I)
    Bad += std::fabs(double(A[I]) - B[I]) > 1e-6 * std::fabs(double(B[I]));
  return Bad;
}

void expectStatesMatch(const optim::OptimizerState &Gpu,
                       const optim::OptimizerState &Host) {
  ASSERT_EQ(Gpu.size(), Host.size());
  EXPECT_EQ(Gpu.StepsTaken, Host.StepsTaken);
  for (unsigned I = 0; I < Host.size(); ++I) {
    const optim::ParamState &G = Gpu.param(I), &H = Host.param(I);
    EXPECT_EQ(G.AdamStep, H.AdamStep) << H.Name;
    // Muon momentum sees the same gradients: exact as Adam's moments.
    EXPECT_EQ(mismatches(G.Buf0, H.Buf0), 0) << H.Name << " Buf0";
    EXPECT_EQ(mismatches(G.Buf1, H.Buf1), 0) << H.Name << " Buf1";
  }
}

/// Adam params within 1e-6 relative, Muon changes within 2e-2 relative
/// L2, padding still zero.
void expectParamsMatch(const ir::Model &M, const GpuParamLayout &L,
                       const std::vector<float> &P0,
                       const std::vector<float> &Host,
                       const std::vector<float> &Gpu) {
  std::vector<bool> Covered(L.TotalFloats, false);
  for (const auto &P : M.Params) {
    const uint64_t Off = L.offset(*P);
    const int64_t N = P->numel();
    std::fill(Covered.begin() + Off, Covered.begin() + Off + N, true);
    llvm::ArrayRef<float> G(Gpu.data() + Off, N), C(Host.data() + Off, N);
    if (P->group() == ir::OptGroup::MuonMatrix)
      EXPECT_LE(relChange(G.data(), C.data(), P0.data() + Off, N), 2e-2)
          << P->name().str();
    else
      EXPECT_EQ(mismatches(G, C), 0) << P->name().str();
  }
  for (uint64_t I = 0; I < L.TotalFloats; ++I) {
    if (!Covered[I]) {
      ASSERT_EQ(Gpu[I], 0.0f) << "padding float " << I;
    }
  }
}

class GpuOptimizerParity : public test::GpuTest,
                           public ::testing::WithParamInterface<bool> {};

TEST_P(GpuOptimizerParity, ThreeStepsMatchTheHostOptimizer) {
  std::unique_ptr<ir::Model> M = loadExample("tiny.hyb");
  ASSERT_TRUE(M);
  const GpuParamLayout L = layoutParams(*M);
  const optim::OptimizerConfig Cfg = configFor(GetParam());
  auto Opts = gpu::gpuOptions();
  HYBC_ASSERT_EXPECTED(Opts);
  auto Blas = gpu::Blas::create(*Driver);
  HYBC_ASSERT_EXPECTED(Blas);
  gpu::KernelCacheConfig CC = gpu::KernelCacheConfig::fromOptions(*Opts);
  CC.Disk = false;
  gpu::KernelCache Cache(CC);
  auto Opt = GpuOptimizer::create(
      *Driver, **Blas, Cache, gpu::nvrtcOptionsFor(*Opts, &Driver->device()),
      *M, L, Cfg);
  HYBC_ASSERT_EXPECTED(Opt);

  optim::Optimizer Host(Cfg);
  Host.state() = optimizerStateLayout(*M);
  const std::vector<float> P0 = layoutArray(*M, L, 100, 0.05f);
  std::vector<float> HostP = P0;
  test::DeviceFloats DP(*Driver, L.TotalFloats), DG(*Driver, L.TotalFloats);
  HYBC_ASSERT_OK(DP.upload(P0));
  const double LrMult[3] = {1.0, 0.9, 0.5};
  for (int64_t Step = 0; Step < 3; ++Step) {
    std::vector<float> G = layoutArray(*M, L, 1000 * unsigned(Step + 1), 0.01f);
    std::vector<float *> Ps;
    std::vector<const float *> Gs;
    for (const auto &P : M->Params) {
      Ps.push_back(HostP.data() + L.offset(*P));
      Gs.push_back(G.data() + L.offset(*P));
    }
    Host.step(Ps, Gs, Step, LrMult[Step]);
    HYBC_ASSERT_OK(DG.upload(G));
    HYBC_ASSERT_OK(
        (*Opt)->step(DP.ptr(), DG.ptr(), Step, LrMult[Step], nullptr));
    HYBC_ASSERT_OK(Driver->ctxSynchronize());
  }
  auto GpuP = DP.download();
  HYBC_ASSERT_EXPECTED(GpuP);
  expectParamsMatch(*M, L, P0, HostP, *GpuP);

  optim::OptimizerState S, Again;
  HYBC_ASSERT_OK((*Opt)->download(S));
  expectStatesMatch(S, Host.state());
  HYBC_ASSERT_OK((*Opt)->upload(S));
  HYBC_ASSERT_OK((*Opt)->download(Again));
  llvm::SmallVector<char, 0> BytesS, BytesAgain;
  S.serialize(BytesS);
  Again.serialize(BytesAgain);
  EXPECT_TRUE(BytesS == BytesAgain) << "upload(download()) round trip";
}

INSTANTIATE_TEST_SUITE_P(BaselineAndHybrid, GpuOptimizerParity,
                         ::testing::Bool());

TEST(GpuOptimizerPlanTest, BaselineGptIsOneLaunchPerPhaseAndSegment) {
  std::unique_ptr<ir::Model> M = loadExample("baseline_gpt.hyb");
  ASSERT_TRUE(M);
  auto P =
      planGpuOptimizer(layoutParams(*M), optim::OptimizerConfig::baseline());
  HYBC_ASSERT_EXPECTED(P);
  ASSERT_EQ(P->MuonSegs.size(), 4u); // 512x512, 256x512, 1024x512, 512x1024
  EXPECT_EQ(P->MuonSegs[0].Count, 18);
  EXPECT_TRUE(P->MuonSegs[2].Transposed) << "mlp fc is 1024x512";
  EXPECT_EQ(P->MuonSegs[2].Small, 512);
  EXPECT_EQ(P->AdamSegs.size(), 2u); // tied embedding, scalars
  EXPECT_EQ(P->Gemms, 4u * 15u);
  EXPECT_EQ(P->Launches, 4u * 34u + 2u);
  optim::OptimizerConfig Eager = optim::OptimizerConfig::baseline();
  Eager.Muon.Prec = optim::Precision::Bf16Eager;
  HYBC_EXPECT_ERROR(planGpuOptimizer(layoutParams(*M), Eager).takeError(),
                    "bf16-eager");
}

TEST(GpuOptimizerPlanTest, KernelsCompileWithNvrtcWithoutADevice) {
  std::vector<KernelSpec> Specs;
  for (auto File : {"tiny.hyb", "baseline_gpt.hyb"})
    for (bool Hybrid : {false, true}) {
      std::unique_ptr<ir::Model> M = loadExample(File);
      ASSERT_TRUE(M);
      auto P = planGpuOptimizer(layoutParams(*M), configFor(Hybrid));
      HYBC_ASSERT_EXPECTED(P);
      Specs.insert(Specs.end(), P->Kernels.begin(), P->Kernels.end());
    }
  gpu::KernelCacheConfig CC;
  CC.Disk = false;
  gpu::KernelCache Cache(CC);
  gpu::NvrtcOptions O; // sm_90a
  O.EmitPtx = false;
  auto All = gpu::compileAll(Cache, Specs, O);
  HYBC_ASSERT_EXPECTED(All);
  EXPECT_EQ(All->size(), Specs.size());
}

TEST(GpuOptimizerPlanTest, StateLayoutMatchesTheTrainer) {
  std::unique_ptr<ir::Model> M = loadExample("tiny.hyb");
  ASSERT_TRUE(M);
  optim::OptimizerState S = optimizerStateLayout(*M);
  ASSERT_EQ(S.size(), M->Params.size());
  for (const auto &P : M->Params) {
    const optim::ParamState &St = S.param(P->index());
    EXPECT_EQ(St.Name, P->name().str());
    EXPECT_EQ(St.numel(), P->numel());
    EXPECT_EQ(St.isMuon(), P->group() == ir::OptGroup::MuonMatrix);
  }
}

} // namespace
