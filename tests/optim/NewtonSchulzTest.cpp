//===- tests/optim/NewtonSchulzTest.cpp - Newton-Schulz-5 tests -----------===//
///
/// \file
/// Singular-value band, bit stability across thread counts, fp32 accuracy
/// against a float64 reference, transpose handling and bf16 rounding.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/NewtonSchulz.h"
#include "runtime/optim/Matmul.h"

#include "OptimTestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <omp.h>

using namespace hybc::optim;
using namespace hybc::optim::test;

namespace {

std::vector<float> runNs(const std::vector<float> &G, int64_t R, int64_t C,
                         Precision P, bool EqR = false) {
  NewtonSchulzOptions O;
  O.Prec = P;
  O.EqR = EqR;
  llvm::SmallVector<float, 0> Out;
  newtonSchulz5(G, R, C, O, Out);
  return std::vector<float>(Out.begin(), Out.end());
}

bool bitEqual(const std::vector<float> &A, const std::vector<float> &B) {
  return A.size() == B.size() &&
         std::memcmp(A.data(), B.data(), A.size() * sizeof(float)) == 0;
}

TEST(Matmul, MatchesNaiveProduct) {
  const int64_t M = 7, K = 600, N = 530; // crosses the 512-column strip.
  std::vector<float> A = randomMatrix(M, K, 1), B = randomMatrix(K, N, 2);
  std::vector<float> C(M * N);
  detail::matmul(A.data(), B.data(), C.data(), M, K, N);
  for (int64_t I = 0; I < M; ++I)
    for (int64_t J = 0; J < N; J += 37) {
      float S = 0.0f;
      for (int64_t Kk = 0; Kk < K; ++Kk)
        S += A[I * K + Kk] * B[Kk * N + J];
      // Large products use the blocked GEMM (another summation order).
      EXPECT_NEAR(C[I * N + J], S, 1e-5f * (1.0f + std::abs(S)))
          << I << "," << J;
    }
}

TEST(NewtonSchulz, SingularValuesInBand) {
  const int64_t R = 32, C = 96;
  std::vector<float> G = randomMatrix(R, C, 7);
  for (Precision P :
       {Precision::Fp32, Precision::Bf16Compiled, Precision::Bf16Eager}) {
    std::vector<double> S = singularValues(runNs(G, R, C, P), R, C);
    ASSERT_EQ(S.size(), static_cast<size_t>(R));
    EXPECT_LT(S.front(), 1.2) << static_cast<int>(P);
    EXPECT_GT(S.back(), 0.65) << static_cast<int>(P);
  }
}

TEST(NewtonSchulz, BitStableAcrossRunsAndThreads) {
  const int64_t R = 48, C = 80;
  std::vector<float> G = randomMatrix(R, C, 11);
  const int Saved = omp_get_max_threads();
  for (Precision P : {Precision::Fp32, Precision::Bf16Compiled}) {
    omp_set_num_threads(1);
    std::vector<float> One = runNs(G, R, C, P, true);
    omp_set_num_threads(2);
    std::vector<float> Two = runNs(G, R, C, P, true);
    std::vector<float> Again = runNs(G, R, C, P, true);
    EXPECT_TRUE(bitEqual(One, Two));
    EXPECT_TRUE(bitEqual(Two, Again));
  }
  omp_set_num_threads(Saved);
}

TEST(NewtonSchulz, Fp32MatchesFloat64Reference) {
  struct Shape {
    int64_t R, C;
    bool EqR;
  } Shapes[] = {
      {16, 24, false}, {24, 16, false}, {20, 20, true}, {40, 12, true}};
  for (const Shape &S : Shapes) {
    std::vector<float> G = randomMatrix(S.R, S.C, 3 + S.R, 0.02f);
    std::vector<float> Got = runNs(G, S.R, S.C, Precision::Fp32, S.EqR);
    std::vector<double> Ref = newtonSchulzF64(G, S.R, S.C, 5, S.EqR);
    double MaxErr = 0.0;
    for (size_t I = 0; I < Got.size(); ++I)
      MaxErr = std::max(MaxErr, std::fabs(Got[I] - Ref[I]));
    EXPECT_LT(MaxErr, 1e-5) << S.R << "x" << S.C;
  }
}

TEST(NewtonSchulz, TallMatrixIsTransposeOfWide) {
  const int64_t R = 40, C = 24;
  std::vector<float> G = randomMatrix(R, C, 5);
  std::vector<float> Gt(G.size());
  detail::transpose(G.data(), Gt.data(), R, C);
  for (Precision P : {Precision::Fp32, Precision::Bf16Compiled}) {
    std::vector<float> Tall = runNs(G, R, C, P);
    std::vector<float> Wide = runNs(Gt, C, R, P);
    std::vector<float> WideT(Wide.size());
    detail::transpose(Wide.data(), WideT.data(), C, R);
    EXPECT_TRUE(bitEqual(Tall, WideT));
    // Tall outputs have orthonormal-ish columns: sigma band holds too.
    std::vector<double> S = singularValues(Tall, R, C);
    EXPECT_EQ(S.size(), static_cast<size_t>(C));
    EXPECT_GT(S.back(), 0.65);
    EXPECT_LT(S.front(), 1.2);
  }
}

TEST(NewtonSchulz, Bf16OutputIsBf16AndCloseToFp32) {
  const int64_t R = 32, C = 64;
  std::vector<float> G = randomMatrix(R, C, 9);
  std::vector<float> F = runNs(G, R, C, Precision::Fp32);
  for (Precision P : {Precision::Bf16Compiled, Precision::Bf16Eager}) {
    std::vector<float> B = runNs(G, R, C, P);
    double MaxErr = 0.0;
    for (size_t I = 0; I < B.size(); ++I) {
      ASSERT_TRUE(isBf16Exact(B[I])) << I;
      MaxErr = std::max(MaxErr, static_cast<double>(std::fabs(B[I] - F[I])));
    }
    EXPECT_LT(MaxErr, 0.05);
    EXPECT_GT(MaxErr, 0.0); // The rounding really happens.
  }
}

TEST(NewtonSchulz, EqRNormalisesRowsFirst) {
  // Scaling one row of G must not change the MuonEq-R result (fp32 mode).
  const int64_t R = 8, C = 16;
  std::vector<float> G = randomMatrix(R, C, 21);
  std::vector<float> G2 = G;
  for (int64_t J = 0; J < C; ++J)
    G2[3 * C + J] *= 8.0f; // exact power-of-two scaling.
  std::vector<float> A = runNs(G, R, C, Precision::Fp32, true);
  std::vector<float> B = runNs(G2, R, C, Precision::Fp32, true);
  EXPECT_TRUE(bitEqual(A, B));
  std::vector<float> NoEq = runNs(G2, R, C, Precision::Fp32, false);
  EXPECT_FALSE(bitEqual(A, NoEq));
}

TEST(Bf16, RoundToNearestEven) {
  EXPECT_EQ(roundToBf16(1.0f), 1.0f);
  EXPECT_EQ(roundToBf16(1.00390625f), 1.0f);      // tie -> even (down)
  EXPECT_EQ(roundToBf16(1.01171875f), 1.015625f); // tie -> even (up)
  EXPECT_EQ(roundToBf16(std::nextafter(1.00390625f, 2.0f)), 1.0078125f);
  EXPECT_EQ(roundToBf16(-3.14159265f), -3.140625f);
  EXPECT_TRUE(std::isnan(roundToBf16(std::nanf(""))));
  EXPECT_TRUE(std::isinf(roundToBf16(INFINITY)));
  EXPECT_TRUE(isBf16Exact(roundToBf16(0.1234f)));
}

} // namespace
