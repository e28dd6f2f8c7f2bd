//===- tests/runtime/ActivationTest.cpp - Pointwise activations -----------===//
///
/// \file
/// SiLU, relu^2, leaky_relu(0.5)^2 and softcap: spot values, backward vs
/// fp64 central finite differences, fp32 vs fp64 agreement.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Activation.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

using namespace hybc::cpu;

namespace {

using ForwardFn = std::function<void(int64_t, const double *, double *)>;
using BackwardFn =
    std::function<void(int64_t, const double *, const double *, double *)>;

/// Max relative error of Backward vs finite differences of sum(DY * F(X)).
double fdError(const ForwardFn &F, const BackwardFn &B, double MaxAbs,
               uint64_t Seed) {
  const int64_t N = 23;
  std::vector<double> X(N), DY(N), Y(N), DX(N);
  fillRandom<double>(X, Seed, 0.05, MaxAbs);
  fillRandom<double>(DY, Seed + 1);
  auto Loss = [&] {
    F(N, X.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  B(N, X.data(), DY.data(), DX.data());
  llvm::SmallVector<double, 64> Num;
  finiteDifferenceGradient(Loss, X, 1e-5, Num);
  return maxRelativeError(DX, Num);
}

} // namespace

TEST(ActivationTest, SpotValues) {
  const double X[4] = {-2.0, -0.5, 0.0, 1.5};
  double Y[4];
  siluForward<double>(4, X, Y);
  EXPECT_NEAR(Y[3], 1.5 / (1.0 + std::exp(-1.5)), 1e-15);
  EXPECT_EQ(Y[2], 0.0);
  reluSquareForward<double>(4, X, Y);
  EXPECT_EQ(Y[0], 0.0);
  EXPECT_EQ(Y[3], 2.25);
  leakyReluSquareForward<double>(4, 0.5, X, Y);
  EXPECT_EQ(Y[0], 1.0);    // (0.5 * -2)^2
  EXPECT_EQ(Y[1], 0.0625); // (0.5 * -0.5)^2
  EXPECT_EQ(Y[3], 2.25);
  softcapForward<double>(4, 30.0, X, Y);
  EXPECT_NEAR(Y[0], 30.0 * std::tanh(-2.0 / 30.0), 1e-15);
}

TEST(ActivationTest, SiluBackwardFiniteDifference) {
  EXPECT_LE(fdError(siluForward<double>, siluBackward<double>, 4.0, 1), 1e-6);
}

TEST(ActivationTest, ReluSquareBackwardFiniteDifference) {
  EXPECT_LE(
      fdError(reluSquareForward<double>, reluSquareBackward<double>, 2.0, 3),
      1e-6);
}

TEST(ActivationTest, LeakyReluSquareBackwardFiniteDifference) {
  auto F = [](int64_t N, const double *X, double *Y) {
    leakyReluSquareForward<double>(N, 0.5, X, Y);
  };
  auto B = [](int64_t N, const double *X, const double *DY, double *DX) {
    leakyReluSquareBackward<double>(N, 0.5, X, DY, DX);
  };
  EXPECT_LE(fdError(F, B, 2.0, 5), 1e-6);
}

TEST(ActivationTest, SoftcapBackwardFiniteDifference) {
  auto F = [](int64_t N, const double *X, double *Y) {
    softcapForward<double>(N, 3.0, X, Y);
  };
  auto B = [](int64_t N, const double *X, const double *DY, double *DX) {
    softcapBackward<double>(N, 3.0, X, DY, DX);
  };
  EXPECT_LE(fdError(F, B, 8.0, 7), 1e-6);
}

TEST(ActivationTest, Float32MatchesFloat64) {
  const int64_t N = 100000; // large enough to run in parallel
  std::vector<double> X(N), DY(N), Y(N), DX(N);
  fillRandom<double>(X, 9, 0.01, 5.0);
  fillRandom<double>(DY, 10);
  std::vector<float> Xf(X.begin(), X.end()), DYf(DY.begin(), DY.end()), Yf(N),
      DXf(N);
  auto Check = [&](double Tol) {
    for (int64_t I = 0; I < N; ++I) {
      ASSERT_NEAR(Yf[I], Y[I], Tol * (1 + std::fabs(Y[I])));
      ASSERT_NEAR(DXf[I], DX[I], Tol * (1 + std::fabs(DX[I])));
    }
  };
  siluForward<double>(N, X.data(), Y.data());
  siluBackward<double>(N, X.data(), DY.data(), DX.data());
  siluForward<float>(N, Xf.data(), Yf.data());
  siluBackward<float>(N, Xf.data(), DYf.data(), DXf.data());
  Check(1e-6);
  reluSquareForward<double>(N, X.data(), Y.data());
  reluSquareBackward<double>(N, X.data(), DY.data(), DX.data());
  reluSquareForward<float>(N, Xf.data(), Yf.data());
  reluSquareBackward<float>(N, Xf.data(), DYf.data(), DXf.data());
  Check(1e-6);
  leakyReluSquareForward<double>(N, 0.5, X.data(), Y.data());
  leakyReluSquareBackward<double>(N, 0.5, X.data(), DY.data(), DX.data());
  leakyReluSquareForward<float>(N, 0.5f, Xf.data(), Yf.data());
  leakyReluSquareBackward<float>(N, 0.5f, Xf.data(), DYf.data(), DXf.data());
  Check(1e-6);
  softcapForward<double>(N, 30.0, X.data(), Y.data());
  softcapBackward<double>(N, 30.0, X.data(), DY.data(), DX.data());
  softcapForward<float>(N, 30.0f, Xf.data(), Yf.data());
  softcapBackward<float>(N, 30.0f, Xf.data(), DYf.data(), DXf.data());
  Check(1e-6);
}
