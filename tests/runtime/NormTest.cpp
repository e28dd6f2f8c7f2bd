//===- tests/runtime/NormTest.cpp - RMSNorm kernels -----------------------===//
///
/// \file
/// RMSNorm forward against the formula, backward against fp64 central
/// finite differences (input and weight), fp32 vs fp64 agreement and
/// thread-count independence of dWeight.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Norm.h"
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

TEST(NormTest, ForwardMatchesFormula) {
  const int64_t Rows = 3, Dim = 7;
  std::vector<double> X(Rows * Dim), W(Dim), Y(Rows * Dim), Rstd(Rows);
  fillRandom<double>(X, 1);
  fillRandom<double>(W, 2);
  rmsNormWeightForward<double>(Rows, Dim, X.data(), W.data(), 1e-5, Y.data(),
                               Rstd.data());
  for (int64_t R = 0; R < Rows; ++R) {
    double Sq = 0;
    for (int64_t D = 0; D < Dim; ++D)
      Sq += X[R * Dim + D] * X[R * Dim + D];
    const double S = 1.0 / std::sqrt(Sq / Dim + 1e-5);
    EXPECT_NEAR(Rstd[R], S, 1e-14);
    for (int64_t D = 0; D < Dim; ++D)
      EXPECT_NEAR(Y[R * Dim + D], X[R * Dim + D] * S * W[D], 1e-14);
  }
  EXPECT_EQ(kRmsNormEpsPG, 1.1920928955078125e-07);
}

TEST(NormTest, ParamFreeBackwardFiniteDifference) {
  const int64_t Rows = 4, Dim = 9;
  std::vector<double> X(Rows * Dim), DY(Rows * Dim), Y(Rows * Dim), Rstd(Rows),
      DX(Rows * Dim);
  fillRandom<double>(X, 3);
  fillRandom<double>(DY, 4);
  auto Loss = [&] {
    rmsNormForward<double>(Rows, Dim, X.data(), kRmsNormEpsPG, Y.data(),
                           nullptr);
    return weightedSum<double>(DY, Y);
  };
  rmsNormForward<double>(Rows, Dim, X.data(), kRmsNormEpsPG, Y.data(),
                         Rstd.data());
  rmsNormBackward<double>(Rows, Dim, X.data(), Rstd.data(), DY.data(),
                          DX.data());
  llvm::SmallVector<double, 64> Num;
  finiteDifferenceGradient(Loss, X, kFdStep, Num);
  EXPECT_LE(maxRelativeError(DX, Num), kFdTol);
}

TEST(NormTest, WeightBackwardFiniteDifference) {
  const int64_t Rows = 5, Dim = 6;
  std::vector<double> X(Rows * Dim), W(Dim), DY(Rows * Dim), Y(Rows * Dim),
      Rstd(Rows), DX(Rows * Dim), DW(Dim);
  fillRandom<double>(X, 5);
  fillRandom<double>(W, 6);
  fillRandom<double>(DY, 7);
  auto Loss = [&] {
    rmsNormWeightForward<double>(Rows, Dim, X.data(), W.data(), 1e-5, Y.data(),
                                 nullptr);
    return weightedSum<double>(DY, Y);
  };
  rmsNormWeightForward<double>(Rows, Dim, X.data(), W.data(), 1e-5, Y.data(),
                               Rstd.data());
  rmsNormWeightBackward<double>(Rows, Dim, X.data(), W.data(), Rstd.data(),
                                DY.data(), DX.data(), DW.data());
  llvm::SmallVector<double, 64> NumX, NumW;
  finiteDifferenceGradient(Loss, X, kFdStep, NumX);
  finiteDifferenceGradient(Loss, W, kFdStep, NumW);
  EXPECT_LE(maxRelativeError(DX, NumX), kFdTol);
  EXPECT_LE(maxRelativeError(DW, NumW), kFdTol);
}

TEST(NormTest, Float32MatchesFloat64) {
  const int64_t Rows = 17, Dim = 64;
  std::vector<double> X(Rows * Dim), W(Dim), DY(Rows * Dim), Y(Rows * Dim),
      Rstd(Rows), DX(Rows * Dim), DW(Dim);
  fillRandom<double>(X, 8);
  fillRandom<double>(W, 9);
  fillRandom<double>(DY, 10);
  std::vector<float> Xf(X.begin(), X.end()), Wf(W.begin(), W.end()),
      DYf(DY.begin(), DY.end()), Yf(Y.size()), Rf(Rows), DXf(DX.size()),
      DWf(Dim);
  rmsNormWeightForward<double>(Rows, Dim, X.data(), W.data(), 1e-5, Y.data(),
                               Rstd.data());
  rmsNormWeightBackward<double>(Rows, Dim, X.data(), W.data(), Rstd.data(),
                                DY.data(), DX.data(), DW.data());
  rmsNormWeightForward<float>(Rows, Dim, Xf.data(), Wf.data(), 1e-5f, Yf.data(),
                              Rf.data());
  rmsNormWeightBackward<float>(Rows, Dim, Xf.data(), Wf.data(), Rf.data(),
                               DYf.data(), DXf.data(), DWf.data());
  for (size_t I = 0; I < Y.size(); ++I) {
    EXPECT_NEAR(Yf[I], Y[I], 1e-5);
    EXPECT_NEAR(DXf[I], DX[I], 1e-5);
  }
  for (int64_t D = 0; D < Dim; ++D)
    EXPECT_NEAR(DWf[D], DW[D], 1e-5 * (1 + std::fabs(DW[D])));
}

TEST(NormTest, WeightGradientThreadCountIndependent) {
  const int64_t Rows = 1000, Dim = 96;
  std::vector<float> X(Rows * Dim), W(Dim), DY(Rows * Dim), Y(Rows * Dim),
      Rstd(Rows), DX(Rows * Dim), DW1(Dim), DW2(Dim);
  fillRandom<float>(X, 11);
  fillRandom<float>(W, 12);
  fillRandom<float>(DY, 13);
  rmsNormWeightForward<float>(Rows, Dim, X.data(), W.data(), 1e-5f, Y.data(),
                              Rstd.data());
  const int Saved = omp_get_max_threads();
  omp_set_num_threads(1);
  rmsNormWeightBackward<float>(Rows, Dim, X.data(), W.data(), Rstd.data(),
                               DY.data(), DX.data(), DW1.data());
  omp_set_num_threads(2);
  rmsNormWeightBackward<float>(Rows, Dim, X.data(), W.data(), Rstd.data(),
                               DY.data(), DX.data(), DW2.data());
  omp_set_num_threads(Saved);
  EXPECT_EQ(DW1, DW2);
}
