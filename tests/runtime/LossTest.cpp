//===- tests/runtime/LossTest.cpp - Softcapped cross-entropy --------------===//
///
/// \file
/// Fused softcap + mean cross-entropy: forward vs a long-double reference,
/// per-row nll, stability with huge logits, backward (pre-softcap) vs fp64
/// finite differences with and without softcap, fp32 vs fp64.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Loss.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace hybc::cpu;

namespace {

/// Reference mean nll in long double.
double referenceLoss(int64_t N, int64_t V, const std::vector<double> &L,
                     const std::vector<int32_t> &Tg, double Cap,
                     std::vector<double> &Rows) {
  long double Total = 0;
  Rows.assign(N, 0.0);
  for (int64_t R = 0; R < N; ++R) {
    long double Sum = 0;
    for (int64_t J = 0; J < V; ++J)
      Sum += std::exp(
          static_cast<long double>(Cap * std::tanh(L[R * V + J] / Cap)));
    const long double Z = Cap * std::tanh(L[R * V + Tg[R]] / Cap);
    Rows[R] = static_cast<double>(std::log(Sum) - Z);
    Total += std::log(Sum) - Z;
  }
  return static_cast<double>(Total / N);
}

std::vector<int32_t> targets(int64_t N, int64_t V) {
  std::vector<int32_t> T(N);
  for (int64_t R = 0; R < N; ++R)
    T[R] = static_cast<int32_t>((R * 5 + 3) % V);
  return T;
}

} // namespace

TEST(LossTest, ForwardMatchesReference) {
  const int64_t N = 6, V = 11;
  std::vector<double> L(N * V), Rows(N), RowsRef;
  fillRandom<double>(L, 1, 0.1, 40.0);
  const std::vector<int32_t> Tg = targets(N, V);
  const double Loss = softcapCrossEntropyForward<double>(
      N, V, L.data(), Tg.data(), 30.0, Rows.data());
  const double Ref = referenceLoss(N, V, L, Tg, 30.0, RowsRef);
  EXPECT_NEAR(Loss, Ref, 1e-13);
  for (int64_t R = 0; R < N; ++R)
    EXPECT_NEAR(Rows[R], RowsRef[R], 1e-13);
}

TEST(LossTest, StableWithHugeLogitsWithoutCap) {
  const int64_t V = 4;
  const std::vector<double> L = {1e4, 1e4 - 1.0, -1e4, 1e4 - 2.0};
  const int32_t Tg = 1;
  const double Loss =
      softcapCrossEntropyForward<double>(1, V, L.data(), &Tg, 0.0, nullptr);
  const double Ref = std::log(1.0 + std::exp(1.0) + std::exp(-1.0));
  EXPECT_NEAR(Loss, Ref, 1e-12);
  std::vector<double> D(V);
  softcapCrossEntropyBackward<double>(1, V, L.data(), &Tg, 0.0, 1.0, D.data());
  for (double G : D)
    EXPECT_TRUE(std::isfinite(G));
}

TEST(LossTest, UniformLogitsGiveLogVocab) {
  const int64_t N = 3, V = 1024;
  std::vector<float> L(N * V, 0.0f);
  const std::vector<int32_t> Tg = targets(N, V);
  EXPECT_NEAR(softcapCrossEntropyForward<float>(N, V, L.data(), Tg.data(),
                                                30.0f, nullptr),
              std::log(1024.0), 1e-5);
}

TEST(LossTest, BackwardFiniteDifference) {
  const int64_t N = 4, V = 7;
  const std::vector<int32_t> Tg = targets(N, V);
  for (double Cap : {0.0, 3.0, 30.0}) {
    std::vector<double> L(N * V), D(N * V);
    fillRandom<double>(L, 2, 0.1, 6.0);
    const double DLoss = 1.7;
    auto Loss = [&] {
      return DLoss * softcapCrossEntropyForward<double>(
                         N, V, L.data(), Tg.data(), Cap, nullptr);
    };
    softcapCrossEntropyBackward<double>(N, V, L.data(), Tg.data(), Cap, DLoss,
                                        D.data());
    llvm::SmallVector<double, 64> Num;
    finiteDifferenceGradient(Loss, L, 1e-5, Num);
    EXPECT_LE(maxRelativeError(D, Num), 1e-6) << "cap " << Cap;
  }
}

TEST(LossTest, BackwardInPlace) {
  const int64_t N = 5, V = 9;
  const std::vector<int32_t> Tg = targets(N, V);
  std::vector<double> L(N * V), D(N * V);
  fillRandom<double>(L, 3, 0.1, 10.0);
  softcapCrossEntropyBackward<double>(N, V, L.data(), Tg.data(), 30.0, 1.0,
                                      D.data());
  softcapCrossEntropyBackward<double>(N, V, L.data(), Tg.data(), 30.0, 1.0,
                                      L.data());
  EXPECT_EQ(L, D);
}

TEST(LossTest, Float32MatchesFloat64) {
  const int64_t N = 64, V = 1024;
  const std::vector<int32_t> Tg = targets(N, V);
  std::vector<double> L(N * V), D(N * V), Rows(N);
  fillRandom<double>(L, 4, 0.0, 20.0);
  std::vector<float> Lf(L.begin(), L.end()), Df(N * V), Rowsf(N);
  const double Loss = softcapCrossEntropyForward<double>(
      N, V, L.data(), Tg.data(), 30.0, Rows.data());
  const double Lossf = softcapCrossEntropyForward<float>(
      N, V, Lf.data(), Tg.data(), 30.0f, Rowsf.data());
  EXPECT_NEAR(Lossf, Loss, 1e-5 * Loss);
  softcapCrossEntropyBackward<double>(N, V, L.data(), Tg.data(), 30.0, 1.0,
                                      D.data());
  softcapCrossEntropyBackward<float>(N, V, Lf.data(), Tg.data(), 30.0f, 1.0,
                                     Df.data());
  for (int64_t I = 0; I < N * V; ++I)
    ASSERT_NEAR(Df[I], D[I], 1e-7);
  for (int64_t R = 0; R < N; ++R)
    EXPECT_NEAR(Rowsf[R], Rows[R], 1e-4);
}
