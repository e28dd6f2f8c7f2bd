//===- tests/runtime/ElementwiseTest.cpp - Gains, mixes, scaled adds ------===//
///
/// \file
/// Per-head gain, resid_mix and scaled residual add: forward values,
/// backward (inputs and parameters) vs fp64 finite differences, fp32/fp64
/// agreement and thread-count independent parameter gradients.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Elementwise.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

using namespace hybc::cpu;

namespace {
constexpr double kFdStep = 1e-5;
constexpr double kFdTol = 1e-6;
} // namespace

TEST(ElementwiseTest, HeadGainForwardAndBackward) {
  const int64_t Rows = 3, H = 4, D = 5, N = Rows * H * D;
  std::vector<double> X(N), G(H), DY(N), Y(N), DX(N), DG(H);
  fillRandom<double>(X, 1);
  fillRandom<double>(G, 2);
  fillRandom<double>(DY, 3);
  auto Loss = [&] {
    headGainForward<double>(Rows, H, D, X.data(), G.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  Loss();
  EXPECT_DOUBLE_EQ(Y[2 * H * D + 3 * D + 1], X[2 * H * D + 3 * D + 1] * G[3]);
  headGainBackward<double>(Rows, H, D, X.data(), G.data(), DY.data(), DX.data(),
                           DG.data());
  llvm::SmallVector<double, 64> NumX, NumG;
  finiteDifferenceGradient(Loss, X, kFdStep, NumX);
  finiteDifferenceGradient(Loss, G, kFdStep, NumG);
  EXPECT_LE(maxRelativeError(DX, NumX), kFdTol);
  EXPECT_LE(maxRelativeError(DG, NumG), kFdTol);
}

TEST(ElementwiseTest, ResidMixBackwardFiniteDifference) {
  const int64_t Rows = 4, Dim = 6, N = Rows * Dim;
  std::vector<double> X(N), X0(N), M(2 * Dim), DY(N), Y(N), DX(N), DX0(N),
      DM(2 * Dim);
  fillRandom<double>(X, 4);
  fillRandom<double>(X0, 5);
  fillRandom<double>(M, 6);
  fillRandom<double>(DY, 7);
  auto Loss = [&] {
    residMixForward<double>(Rows, Dim, X.data(), X0.data(), M.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  Loss();
  EXPECT_DOUBLE_EQ(Y[Dim + 2], M[2] * X[Dim + 2] + M[Dim + 2] * X0[Dim + 2]);
  residMixBackward<double>(Rows, Dim, X.data(), X0.data(), M.data(), DY.data(),
                           DX.data(), DX0.data(), DM.data());
  llvm::SmallVector<double, 64> NumX, NumX0, NumM;
  finiteDifferenceGradient(Loss, X, kFdStep, NumX);
  finiteDifferenceGradient(Loss, X0, kFdStep, NumX0);
  finiteDifferenceGradient(Loss, M, kFdStep, NumM);
  EXPECT_LE(maxRelativeError(DX, NumX), kFdTol);
  EXPECT_LE(maxRelativeError(DX0, NumX0), kFdTol);
  EXPECT_LE(maxRelativeError(DM, NumM), kFdTol);
}

TEST(ElementwiseTest, ScaledAddBackwardFiniteDifference) {
  const int64_t Rows = 5, Dim = 3, N = Rows * Dim;
  std::vector<double> X(N), S(Dim), F(N), DY(N), Y(N), DF(N), DS(Dim);
  fillRandom<double>(X, 8);
  fillRandom<double>(S, 9);
  fillRandom<double>(F, 10);
  fillRandom<double>(DY, 11);
  auto Loss = [&] {
    scaledAddForward<double>(Rows, Dim, X.data(), S.data(), F.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  scaledAddBackward<double>(Rows, Dim, S.data(), F.data(), DY.data(), DF.data(),
                            DS.data());
  llvm::SmallVector<double, 64> NumX, NumF, NumS;
  finiteDifferenceGradient(Loss, X, kFdStep, NumX);
  finiteDifferenceGradient(Loss, F, kFdStep, NumF);
  finiteDifferenceGradient(Loss, S, kFdStep, NumS);
  EXPECT_LE(maxRelativeError(DY, NumX), kFdTol); // dX = dY
  EXPECT_LE(maxRelativeError(DF, NumF), kFdTol);
  EXPECT_LE(maxRelativeError(DS, NumS), kFdTol);
}

TEST(ElementwiseTest, Float32MatchesFloat64AndDeterministic) {
  const int64_t Rows = 700, Dim = 64, N = Rows * Dim;
  std::vector<double> X(N), X0(N), M(2 * Dim), DY(N), DX(N), DX0(N),
      DM(2 * Dim);
  fillRandom<double>(X, 12);
  fillRandom<double>(X0, 13);
  fillRandom<double>(M, 14);
  fillRandom<double>(DY, 15);
  std::vector<float> Xf(X.begin(), X.end()), X0f(X0.begin(), X0.end()),
      Mf(M.begin(), M.end()), DYf(DY.begin(), DY.end()), DXf(N), DX0f(N),
      DMf1(2 * Dim), DMf2(2 * Dim);
  residMixBackward<double>(Rows, Dim, X.data(), X0.data(), M.data(), DY.data(),
                           DX.data(), DX0.data(), DM.data());
  const int Saved = omp_get_max_threads();
  omp_set_num_threads(1);
  residMixBackward<float>(Rows, Dim, Xf.data(), X0f.data(), Mf.data(),
                          DYf.data(), DXf.data(), DX0f.data(), DMf1.data());
  omp_set_num_threads(2);
  residMixBackward<float>(Rows, Dim, Xf.data(), X0f.data(), Mf.data(),
                          DYf.data(), DXf.data(), DX0f.data(), DMf2.data());
  omp_set_num_threads(Saved);
  EXPECT_EQ(DMf1, DMf2);
  for (int64_t I = 0; I < 2 * Dim; ++I)
    EXPECT_NEAR(DMf1[I], DM[I], 1e-5 * (1 + std::fabs(DM[I])));
  for (int64_t I = 0; I < N; ++I)
    EXPECT_NEAR(DXf[I], DX[I], 1e-6);
}
