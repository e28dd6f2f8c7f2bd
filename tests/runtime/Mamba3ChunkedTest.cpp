//===- tests/runtime/Mamba3ChunkedTest.cpp - chunked vs sequential core ---===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Equivalences of docs/mamba3.md §4.3-4.4 in fp64: chunked forward ==
/// sequential recurrence (L not divisible by the chunk, L < chunk, carried
/// state, hard decays), chunk-size invariance, state carry across calls,
/// chunked backward == BPTT, and fp32 instantiations == fp64 to ~1e-4.
///
//===----------------------------------------------------------------------===//

#include "Mamba3TestUtil.h"

#include "gtest/gtest.h"

#include <tuple>

using namespace hybc;
using namespace hybc::test;

namespace {

constexpr double kTol = 1e-10;

Mamba3CoreDims dims(int64_t L, int64_t N, int64_t S, int64_t AH = 1) {
  Mamba3CoreDims D;
  D.Batch = 2, D.SeqLen = L, D.Heads = 4, D.HeadsQK = 2;
  D.HeadDim = 16, D.StateDim = N, D.NumAngles = S, D.AngleHeads = AH;
  return D;
}

/// Inputs with the distributions of the official tests (Δ log-uniform in
/// [1e-3, 1e-1], a = −U(1,16)·Δ), or the "hard" set (Δ up to 2, |a| ≤ 30).
CoreCase<double> officialCase(const Mamba3CoreDims &D, uint64_t Seed,
                              bool Hard) {
  CoreCase<double> C = randomCoreCase(D, Seed, true, true, true);
  std::mt19937_64 Rng(Seed ^ 0x5bd1e995);
  std::uniform_real_distribution<double> U;
  for (size_t I = 0; I < C.DT.size(); ++I) {
    double Dt = Hard ? 2 * U(Rng) + 1e-3
                     : std::exp(std::log(1e-3) + U(Rng) * std::log(100.0));
    C.DT[I] = Dt;
    C.ADT[I] = Hard ? -30 * U(Rng) - 1e-4 : -(1 + 15 * U(Rng)) * Dt;
  }
  return C;
}

void expectSame(const CoreOutputs<double> &A, const CoreOutputs<double> &B,
                double Tol) {
  EXPECT_LE(relL2(A.Out, B.Out), Tol);
  EXPECT_LE(relL2(A.Angle, B.Angle), Tol);
  EXPECT_LE(relL2(A.Ssm, B.Ssm), Tol);
  EXPECT_LE(relL2(A.K, B.K), Tol);
  EXPECT_LE(relL2(A.V, B.V), Tol);
}

/// (L, chunk, N, hard inputs).
using FwdConfig = std::tuple<int, int, int, bool>;
class Mamba3ChunkedForward : public ::testing::TestWithParam<FwdConfig> {};

TEST_P(Mamba3ChunkedForward, EqualsSequential) {
  auto [L, Lc, N, Hard] = GetParam();
  CoreCase<double> C = officialCase(dims(L, N, N / 4), L * 31 + Lc, Hard);
  expectSame(runCoreForward(C, Lc), runCoreForward(C, 0), kTol);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Mamba3ChunkedForward,
    ::testing::Combine(::testing::Values(1, 2, 10, 63, 64, 65, 130),
                       ::testing::Values(16, 64), ::testing::Values(16, 32),
                       ::testing::Bool()));

TEST(Mamba3Chunked, ChunkSizeInvariance) {
  CoreCase<double> C = officialCase(dims(77, 16, 8, 4), 3, false);
  CoreOutputs<double> Ref = runCoreForward(C, 16);
  for (int64_t Lc : {1, 3, 7, 64, 77, 500})
    expectSame(runCoreForward(C, Lc), Ref, kTol);
}

/// Slice [T0, T1) of a tensor laid out (Outer, L, Inner).
std::vector<double> sliceTime(const std::vector<double> &X, int64_t Outer,
                              int64_t L, int64_t T0, int64_t T1) {
  const int64_t Inner = X.size() / (Outer * L);
  std::vector<double> R;
  for (int64_t O = 0; O < Outer; ++O)
    R.insert(R.end(), X.begin() + (O * L + T0) * Inner,
             X.begin() + (O * L + T1) * Inner);
  return R;
}

/// Tokens [T0, T1) of \p C starting from state \p St.
CoreCase<double> sliceCase(const CoreCase<double> &C, int64_t T0, int64_t T1,
                           const CoreOutputs<double> *St) {
  const Mamba3CoreDims &D = C.Dims;
  CoreCase<double> R = C;
  R.Dims.SeqLen = T1 - T0;
  const int64_t B = D.Batch, L = D.SeqLen, BH = B * D.Heads;
  R.Q = sliceTime(C.Q, B, L, T0, T1), R.K = sliceTime(C.K, B, L, T0, T1);
  R.V = sliceTime(C.V, B, L, T0, T1), R.Z = sliceTime(C.Z, B, L, T0, T1);
  R.Angles = sliceTime(C.Angles, B, L, T0, T1);
  R.ADT = sliceTime(C.ADT, BH, L, T0, T1);
  R.DT = sliceTime(C.DT, BH, L, T0, T1);
  R.Trap = sliceTime(C.Trap, BH, L, T0, T1);
  if (St)
    R.InitAngle = St->Angle, R.InitSsm = St->Ssm, R.InitK = St->K,
    R.InitV = St->V;
  return R;
}

/// Concatenates the outputs of two calls along time, per batch row.
std::vector<double> joinOut(const CoreOutputs<double> &A, int64_t LA,
                            const CoreOutputs<double> &B, int64_t LB,
                            int64_t Batch) {
  const int64_t Row = A.Out.size() / (Batch * LA);
  std::vector<double> Out;
  for (int64_t Bi = 0; Bi < Batch; ++Bi) {
    Out.insert(Out.end(), A.Out.begin() + Bi * LA * Row,
               A.Out.begin() + (Bi + 1) * LA * Row);
    Out.insert(Out.end(), B.Out.begin() + Bi * LB * Row,
               B.Out.begin() + (Bi + 1) * LB * Row);
  }
  return Out;
}

TEST(Mamba3Chunked, StateCarryEqualsOneCall) {
  const int64_t L = 70;
  CoreCase<double> C = officialCase(dims(L, 16, 4), 5, false);
  for (int64_t Lc : {0, 16}) {
    CoreOutputs<double> Full = runCoreForward(C, Lc);
    for (int64_t Split : {35, 9, 64}) {
      // Both halves start from a carried state: the first from C's.
      CoreOutputs<double> Init;
      Init.Angle = C.InitAngle, Init.Ssm = C.InitSsm, Init.K = C.InitK;
      Init.V = C.InitV;
      CoreOutputs<double> A = runCoreForward(sliceCase(C, 0, Split, &Init), Lc);
      CoreOutputs<double> B = runCoreForward(sliceCase(C, Split, L, &A), Lc);
      B.Out = joinOut(A, Split, B, L - Split, C.Dims.Batch);
      expectSame(B, Full, kTol);
    }
  }
}

/// (L, chunk, carried state).
using BwdConfig = std::tuple<int, int, bool>;
class Mamba3ChunkedBackward : public ::testing::TestWithParam<BwdConfig> {};

TEST_P(Mamba3ChunkedBackward, EqualsBptt) {
  auto [L, Lc, Init] = GetParam();
  CoreCase<double> C = officialCase(dims(L, 32, 8, 4), L + Lc, false);
  if (!Init)
    C.InitAngle.clear(), C.InitSsm.clear(), C.InitK.clear(), C.InitV.clear();
  CoreOutputs<double> Up = runCoreForward(C, 0);
  for (auto *V : {&Up.Out, &Up.Angle, &Up.Ssm, &Up.K, &Up.V})
    for (size_t I = 0; I < V->size(); ++I)
      (*V)[I] = std::sin(0.37 * I + 1.0);
  CoreCase<double> Ref = runCoreBackward(C, Up, 0);
  CoreCase<double> Chk = runCoreBackward(C, Up, Lc);
  auto A = Ref.tensors(), B = Chk.tensors();
  for (size_t K = 0; K < A.size(); ++K)
    EXPECT_LE(relL2(*B[K].second, *A[K].second), kTol) << A[K].first;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Mamba3ChunkedBackward,
                         ::testing::Combine(::testing::Values(1, 63, 130),
                                            ::testing::Values(16, 64),
                                            ::testing::Bool()));

TEST(Mamba3Float, MatchesDouble) {
  CoreCase<double> C = officialCase(dims(100, 32, 8), 9, false);
  CoreCase<float> F = castCase<float>(C);
  CoreOutputs<double> Up = runCoreForward(C, 0);
  for (auto *V : {&Up.Out, &Up.Angle, &Up.Ssm, &Up.K, &Up.V})
    for (size_t I = 0; I < V->size(); ++I)
      (*V)[I] = std::cos(0.11 * I);
  CoreOutputs<float> UpF = castOutputs<float>(Up);
  for (int64_t Lc : {0, 32}) {
    CoreOutputs<double> D = runCoreForward(C, Lc);
    CoreOutputs<float> S = runCoreForward(F, Lc);
    EXPECT_LE(relL2(S.Out, D.Out), 1e-4);
    EXPECT_LE(relL2(S.Ssm, D.Ssm), 1e-4);
    CoreCase<double> Gd = runCoreBackward(C, Up, Lc);
    CoreCase<float> Gf = runCoreBackward(F, UpF, Lc);
    auto A = Gd.tensors();
    auto B = Gf.tensors();
    for (size_t K = 0; K < A.size(); ++K)
      EXPECT_LE(relL2(*B[K].second, *A[K].second), 1e-4) << A[K].first;
  }
}

} // namespace
