//===- tests/runtime/Mamba3CoreGradCheckTest.cpp - core finite differences ===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Central finite-difference checks (fp64, eps 1e-6) of every gradient of
/// the Mamba-3 core backward kernels (BPTT and chunked) on tiny shapes, with
/// and without a carried state, D, z gate, GQA and shared/per-head angles.
/// The loss weights every forward output, final states included.
///
//===----------------------------------------------------------------------===//

#include "Mamba3TestUtil.h"

#include "gtest/gtest.h"

#include <random>
#include <string>
#include <tuple>

using namespace hybc;
using namespace hybc::test;

namespace {

constexpr double kEps = 1e-6;
constexpr double kTol = 1e-6;

/// Random upstream weights shaped like the outputs of \p C.
CoreOutputs<double> randomWeights(const CoreCase<double> &C, uint64_t Seed) {
  CoreOutputs<double> W = runCoreForward(C, 0);
  std::mt19937_64 Rng(Seed);
  std::normal_distribution<double> Nrm;
  for (auto *V : {&W.Out, &W.Angle, &W.Ssm, &W.K, &W.V})
    for (double &X : *V)
      X = Nrm(Rng);
  return W;
}

/// Checks every analytic gradient of \p C against central differences of
/// the sequential forward.
void gradCheck(CoreCase<double> C, int64_t Chunk, uint64_t Seed) {
  CoreOutputs<double> Wt = randomWeights(C, Seed);
  CoreCase<double> G = runCoreBackward(C, Wt, Chunk);
  auto In = C.tensors();
  auto Gs = G.tensors();
  int Checked = 0;
  for (size_t K = 0; K < In.size(); ++K) {
    std::vector<double> &X = *In[K].second;
    if (X.empty())
      continue;
    std::vector<double> Fd(X.size());
    for (size_t I = 0; I < X.size(); ++I) {
      const double Orig = X[I];
      X[I] = Orig + kEps;
      double Lp = weightedLoss(runCoreForward(C, 0), Wt);
      X[I] = Orig - kEps;
      double Lm = weightedLoss(runCoreForward(C, 0), Wt);
      X[I] = Orig;
      Fd[I] = (Lp - Lm) / (2 * kEps);
    }
    EXPECT_LE(relL2(*Gs[K].second, Fd), kTol)
        << In[K].first << " chunk=" << Chunk;
    ++Checked;
  }
  EXPECT_GE(Checked, 9);
}

/// (HeadsQK, AngleHeads == Heads, carried state, D and Z, chunk size).
using Config = std::tuple<int, bool, bool, bool, int>;

class Mamba3CoreGradCheck : public ::testing::TestWithParam<Config> {};

TEST_P(Mamba3CoreGradCheck, MatchesFiniteDifferences) {
  auto [Hqk, PerHeadAngles, Init, DZ, Chunk] = GetParam();
  Mamba3CoreDims D;
  D.Batch = 2, D.SeqLen = 5, D.Heads = 4, D.HeadsQK = Hqk;
  D.HeadDim = 3, D.StateDim = 6, D.NumAngles = 2;
  D.AngleHeads = PerHeadAngles ? D.Heads : 1;
  uint64_t Seed = 100 + Hqk * 17 + PerHeadAngles * 5 + Init * 3 + DZ + Chunk;
  gradCheck(randomCoreCase(D, Seed, DZ, DZ, Init), Chunk, Seed + 1);
}

INSTANTIATE_TEST_SUITE_P(Configs, Mamba3CoreGradCheck,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Values(0, 2, 8)));

TEST(Mamba3CoreGradCheckSingle, OneTokenNoAngles) {
  Mamba3CoreDims D;
  D.Batch = 1, D.SeqLen = 1, D.Heads = 2, D.HeadsQK = 1;
  D.HeadDim = 2, D.StateDim = 4, D.NumAngles = 0;
  gradCheck(randomCoreCase(D, 7, true, true, true), 0, 8);
  gradCheck(randomCoreCase(D, 7, true, true, true), 4, 8);
}

TEST(Mamba3CoreGradCheckSingle, OnlyOutputGradient) {
  // Upstream gradient only on `out` (as in training); final-state gradients
  // absent.
  Mamba3CoreDims D;
  D.Batch = 1, D.SeqLen = 7, D.Heads = 2, D.HeadsQK = 2;
  D.HeadDim = 2, D.StateDim = 4, D.NumAngles = 1;
  CoreCase<double> C = randomCoreCase(D, 11, true, true, false);
  CoreOutputs<double> Wt = randomWeights(C, 12);
  Wt.Angle.clear(), Wt.Ssm.clear(), Wt.K.clear(), Wt.V.clear();
  CoreCase<double> Bptt = runCoreBackward(C, Wt, 0);
  CoreCase<double> Chk = runCoreBackward(C, Wt, 3);
  double Lp, Lm;
  C.V[5] += kEps;
  Lp = weightedLoss(runCoreForward(C, 0), Wt);
  C.V[5] -= 2 * kEps;
  Lm = weightedLoss(runCoreForward(C, 0), Wt);
  EXPECT_NEAR(Bptt.V[5], (Lp - Lm) / (2 * kEps), 1e-7);
  auto A = Bptt.tensors(), B = Chk.tensors();
  for (size_t K = 0; K < A.size(); ++K)
    EXPECT_LE(relL2(*B[K].second, *A[K].second), 1e-12) << A[K].first;
}

} // namespace
