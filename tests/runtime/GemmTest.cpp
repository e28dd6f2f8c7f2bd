//===- tests/runtime/GemmTest.cpp - gemm() vs a naive oracle --------------===//
///
/// \file
/// Checks the blocked GEMM against a double-accumulating triple loop for all
/// transpose combinations, odd sizes, padded leading dimensions, sizes that
/// cross every blocking boundary (KC, MC, JW, MBig), Alpha/Beta handling,
/// thread-count independence and the portable micro-kernel. A disabled test
/// reports GFLOP/s (run with --gtest_also_run_disabled_tests).
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Gemm.h"
#include "runtime/cpu/GemmKernel.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

using namespace hybc::cpu;

namespace {

struct GemmCase {
  int64_t M, N, K;
};

/// Runs gemm and gemmNaive on the same random data; returns max |diff| /
/// max |ref|.
template <typename T>
double gemmError(bool TA, bool TB, GemmCase S, T Alpha, T Beta, int64_t Pad,
                 uint64_t Seed) {
  const int64_t ARows = TA ? S.K : S.M, ACols = TA ? S.M : S.K;
  const int64_t BRows = TB ? S.N : S.K, BCols = TB ? S.K : S.N;
  const int64_t Lda = ACols + Pad, Ldb = BCols + Pad, Ldc = S.N + Pad;
  std::vector<T> A(ARows * Lda), B(BRows * Ldb), C(S.M * Ldc);
  fillRandom<T>(A, Seed);
  fillRandom<T>(B, Seed + 1);
  fillRandom<T>(C, Seed + 2);
  std::vector<T> Ref = C;
  gemm<T>(TA, TB, S.M, S.N, S.K, Alpha, A.data(), Lda, B.data(), Ldb, Beta,
          C.data(), Ldc);
  gemmNaive<T>(TA, TB, S.M, S.N, S.K, Alpha, A.data(), Lda, B.data(), Ldb, Beta,
               Ref.data(), Ldc);
  double MaxDiff = 0.0, Scale = 1e-30;
  for (size_t I = 0; I < C.size(); ++I) {
    MaxDiff = std::max(MaxDiff, std::fabs(double(C[I]) - double(Ref[I])));
    Scale = std::max(Scale, std::fabs(double(Ref[I])));
  }
  return MaxDiff / Scale;
}

const GemmCase kCases[] = {{1, 1, 1},     {7, 13, 5},     {6, 16, 256},
                           {37, 29, 300}, {130, 270, 17}, {125, 33, 513},
                           {2000, 19, 3}, {5, 4200, 2}};

template <typename T> void runAllCases(double Tol) {
  uint64_t Seed = 10;
  for (const GemmCase &S : kCases)
    for (int TA = 0; TA < 2; ++TA)
      for (int TB = 0; TB < 2; ++TB) {
        Seed += 3;
        const double Err = gemmError<T>(TA, TB, S, T(1), T(0), S.M % 3, Seed);
        EXPECT_LE(Err, Tol) << "M=" << S.M << " N=" << S.N << " K=" << S.K
                            << " TA=" << TA << " TB=" << TB;
      }
}

} // namespace

TEST(GemmTest, AllTransposesOddSizesFloat) { runAllCases<float>(2e-6); }

TEST(GemmTest, AllTransposesOddSizesDouble) { runAllCases<double>(1e-14); }

TEST(GemmTest, AlphaBeta) {
  for (int TA = 0; TA < 2; ++TA)
    for (int TB = 0; TB < 2; ++TB) {
      EXPECT_LE(gemmError<double>(TA, TB, {23, 41, 19}, 0.75, -1.5, 2, 99),
                1e-14);
      EXPECT_LE(gemmError<float>(TA, TB, {23, 41, 19}, -2.0f, 0.5f, 0, 7),
                2e-6);
    }
}

TEST(GemmTest, BetaZeroOverwritesNaN) {
  std::vector<double> A(4 * 3), B(3 * 5);
  fillRandom<double>(A, 1);
  fillRandom<double>(B, 2);
  std::vector<double> C(4 * 5, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> Ref(4 * 5, 0.0);
  gemm<double>(false, false, 4, 5, 3, 1.0, A.data(), 3, B.data(), 5, 0.0,
               C.data(), 5);
  gemmNaive<double>(false, false, 4, 5, 3, 1.0, A.data(), 3, B.data(), 5, 0.0,
                    Ref.data(), 5);
  for (size_t I = 0; I < C.size(); ++I)
    EXPECT_NEAR(C[I], Ref[I], 1e-14);
}

TEST(GemmTest, ZeroDepthScalesC) {
  std::vector<float> C = {1, 2, 3, 4};
  gemm<float>(false, false, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 3.0f,
              C.data(), 2);
  EXPECT_EQ(C, (std::vector<float>{3, 6, 9, 12}));
}

TEST(GemmTest, ThreadCountIndependent) {
  const int64_t M = 300, N = 310, K = 270;
  std::vector<float> A(M * K), B(K * N), C1(M * N), C2(M * N);
  fillRandom<float>(A, 5);
  fillRandom<float>(B, 6);
  const int Saved = omp_get_max_threads();
  omp_set_num_threads(1);
  gemm<float>(false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f,
              C1.data(), N);
  omp_set_num_threads(2);
  gemm<float>(false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f,
              C2.data(), N);
  omp_set_num_threads(Saved);
  EXPECT_EQ(C1, C2);
}

TEST(GemmTest, PortableMicroKernelMatchesNaive) {
  using Blk = detail::GemmBlocking<double>;
  const int64_t Kc = 9;
  std::vector<double> Ap(Blk::MR * Kc), Bp(Blk::NR * Kc);
  fillRandom<double>(Ap, 3);
  fillRandom<double>(Bp, 4);
  std::vector<double> C(Blk::MR * Blk::NR, 1.0);
  detail::portableMicroKernel<double>()(Kc, Ap.data(), Bp.data(), C.data(),
                                        Blk::NR);
  for (int64_t I = 0; I < Blk::MR; ++I)
    for (int64_t J = 0; J < Blk::NR; ++J) {
      double Ref = 1.0;
      for (int64_t P = 0; P < Kc; ++P)
        Ref += Ap[P * Blk::MR + I] * Bp[P * Blk::NR + J];
      EXPECT_NEAR(C[I * Blk::NR + J], Ref, 1e-13);
    }
}

TEST(GemmTest, Float32MatchesFloat64) {
  const int64_t M = 67, N = 45, K = 129;
  std::vector<double> A(M * K), B(K * N), C(M * N);
  fillRandom<double>(A, 11);
  fillRandom<double>(B, 12);
  std::vector<float> Af(A.begin(), A.end()), Bf(B.begin(), B.end()), Cf(M * N);
  gemm<double>(true, false, M, N, K, 1.0, A.data(), M, B.data(), N, 0.0,
               C.data(), N);
  gemm<float>(true, false, M, N, K, 1.0f, Af.data(), M, Bf.data(), N, 0.0f,
              Cf.data(), N);
  for (size_t I = 0; I < C.size(); ++I)
    EXPECT_NEAR(Cf[I], C[I], 1e-5 * (1.0 + std::fabs(C[I])));
}

/// Benchmark, not a unit test: prints GFLOP/s for square float GEMMs.
TEST(GemmTest, DISABLED_Benchmark1024) {
  const int64_t N = 1024;
  std::vector<float> A(N * N), B(N * N), C(N * N);
  fillRandom<float>(A, 1);
  fillRandom<float>(B, 2);
  for (int TA = 0; TA < 2; ++TA)
    for (int TB = 0; TB < 2; ++TB) {
      double Best = 1e30;
      for (int Rep = 0; Rep < 6; ++Rep) {
        auto T0 = std::chrono::steady_clock::now();
        gemm<float>(TA, TB, N, N, N, 1.0f, A.data(), N, B.data(), N, 0.0f,
                    C.data(), N);
        auto T1 = std::chrono::steady_clock::now();
        Best = std::min(Best, std::chrono::duration<double>(T1 - T0).count());
      }
      std::printf("gemm<float> 1024^3 TA=%d TB=%d threads=%d: %.1f GFLOP/s\n",
                  TA, TB, omp_get_max_threads(), 2.0 * N * N * N / Best / 1e9);
    }
  SUCCEED();
}
