//===- tests/runtime/EmbeddingTest.cpp - Embedding, BigramHash, SmearGate -===//
///
/// \file
/// Gather/scatter embedding (incl. repeated ids and determinism), the
/// BigramHash index formula of the PG hybrid scripts with hand-computed
/// values, and SmearGate forward semantics plus fp64 finite-difference
/// backward for the input and the gate.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Embedding.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

using namespace hybc::cpu;

TEST(EmbeddingTest, GatherAndScatterAdd) {
  const int64_t Vocab = 5, Dim = 3, N = 6;
  const int32_t Ids[N] = {4, 1, 4, 0, 4, 1};
  std::vector<double> Table(Vocab * Dim), Out(N * Dim), DOut(N * Dim),
      DTable(Vocab * Dim, 123.0);
  fillRandom<double>(Table, 1);
  fillRandom<double>(DOut, 2);
  embeddingForward<double>(N, Dim, Ids, Table.data(), Out.data());
  for (int64_t I = 0; I < N; ++I)
    for (int64_t D = 0; D < Dim; ++D)
      EXPECT_EQ(Out[I * Dim + D], Table[Ids[I] * Dim + D]);
  embeddingBackward<double>(N, Dim, Vocab, Ids, DOut.data(), DTable.data());
  for (int64_t D = 0; D < Dim; ++D) {
    EXPECT_EQ(DTable[4 * Dim + D],
              DOut[0 * Dim + D] + DOut[2 * Dim + D] + DOut[4 * Dim + D]);
    EXPECT_EQ(DTable[1 * Dim + D], DOut[1 * Dim + D] + DOut[5 * Dim + D]);
    EXPECT_EQ(DTable[0 * Dim + D], DOut[3 * Dim + D]);
    EXPECT_EQ(DTable[2 * Dim + D], 0.0); // unused rows are overwritten
    EXPECT_EQ(DTable[3 * Dim + D], 0.0);
  }
}

TEST(EmbeddingTest, EmbeddingAndBigramBackwardFiniteDifference) {
  const int64_t B = 2, T = 5, Dim = 3, Vocab = 6, Buckets = 7;
  const int32_t Ids[B * T] = {1, 5, 5, 0, 2, 3, 3, 4, 1, 5};
  std::vector<double> Tab(Vocab * Dim), BTab(Buckets * Dim), Out(B * T * Dim),
      DOut(B * T * Dim), DTab(Vocab * Dim), DBTab(Buckets * Dim);
  fillRandom<double>(Tab, 30);
  fillRandom<double>(BTab, 31);
  fillRandom<double>(DOut, 32);
  auto EmbLoss = [&] {
    embeddingForward<double>(B * T, Dim, Ids, Tab.data(), Out.data());
    return weightedSum<double>(DOut, Out);
  };
  auto HashLoss = [&] {
    bigramHashForward<double>(B, T, Dim, Buckets, Ids, BTab.data(), Out.data());
    return weightedSum<double>(DOut, Out);
  };
  embeddingBackward<double>(B * T, Dim, Vocab, Ids, DOut.data(), DTab.data());
  bigramHashBackward<double>(B, T, Dim, Buckets, Ids, DOut.data(),
                             DBTab.data());
  llvm::SmallVector<double, 64> NumE, NumH;
  finiteDifferenceGradient(EmbLoss, Tab, 1e-5, NumE);
  finiteDifferenceGradient(HashLoss, BTab, 1e-5, NumH);
  EXPECT_LE(maxRelativeError(DTab, NumE), 1e-6);
  EXPECT_LE(maxRelativeError(DBTab, NumH), 1e-6);
}

TEST(EmbeddingTest, BackwardDeterministicAcrossThreads) {
  const int64_t Vocab = 50, Dim = 512, N = 4000;
  std::vector<int32_t> Ids(N);
  for (int64_t I = 0; I < N; ++I)
    Ids[I] = static_cast<int32_t>((I * 7919) % Vocab);
  std::vector<float> DOut(N * Dim), D1(Vocab * Dim), D2(Vocab * Dim);
  fillRandom<float>(DOut, 3);
  const int Saved = omp_get_max_threads();
  omp_set_num_threads(1);
  embeddingBackward<float>(N, Dim, Vocab, Ids.data(), DOut.data(), D1.data());
  omp_set_num_threads(2);
  embeddingBackward<float>(N, Dim, Vocab, Ids.data(), DOut.data(), D2.data());
  omp_set_num_threads(Saved);
  EXPECT_EQ(D1, D2);
}

TEST(EmbeddingTest, BigramHashFormula) {
  // hash = (prev * 92821 + cur) mod buckets, prev = 0 at t = 0, per row.
  const int32_t Ids[2 * 3] = {5, 7, 1023, 9, 0, 2};
  int32_t Hash[6];
  bigramHashIndices(2, 3, Ids, 4096, Hash);
  EXPECT_EQ(Hash[0], 5);    // (0 * 92821 + 5) % 4096
  EXPECT_EQ(Hash[1], 1264); // (5 * 92821 + 7) % 4096
  EXPECT_EQ(Hash[2], 3602); // (7 * 92821 + 1023) % 4096
  EXPECT_EQ(Hash[3], 9);    // new row: prev = 0 at t = 0
  EXPECT_EQ(Hash[4], 3901); // (9 * 92821 + 0) % 4096
  EXPECT_EQ(Hash[5], 2);    // prev token is 0
  // Large ids stay exact in 64-bit arithmetic (sp8192 vocab).
  const int32_t Big[2] = {8191, 8190};
  bigramHashIndices(1, 2, Big, 4096, Hash);
  EXPECT_EQ(Hash[1], int32_t((8191LL * 92821 + 8190) % 4096));
}

TEST(EmbeddingTest, BigramHashGatherAndScatter) {
  const int64_t B = 2, T = 4, Dim = 3, Buckets = 16;
  const int32_t Ids[B * T] = {3, 1, 4, 1, 5, 9, 2, 6};
  int32_t Hash[B * T];
  bigramHashIndices(B, T, Ids, Buckets, Hash);
  std::vector<double> Table(Buckets * Dim), Out(B * T * Dim), Ref(B * T * Dim),
      DOut(B * T * Dim), DT(Buckets * Dim), DTRef(Buckets * Dim);
  fillRandom<double>(Table, 4);
  fillRandom<double>(DOut, 5);
  bigramHashForward<double>(B, T, Dim, Buckets, Ids, Table.data(), Out.data());
  embeddingForward<double>(B * T, Dim, Hash, Table.data(), Ref.data());
  EXPECT_EQ(Out, Ref);
  bigramHashBackward<double>(B, T, Dim, Buckets, Ids, DOut.data(), DT.data());
  embeddingBackward<double>(B * T, Dim, Buckets, Hash, DOut.data(),
                            DTRef.data());
  EXPECT_EQ(DT, DTRef);
}

TEST(EmbeddingTest, SmearGateForwardSemantics) {
  const int64_t B = 2, T = 3, Dim = 2;
  std::vector<double> X(B * T * Dim), Y(B * T * Dim);
  fillRandom<double>(X, 6);
  const double Gate[Dim] = {3.0, -0.5};
  smearGateForward<double>(B, T, Dim, X.data(), Gate, Y.data());
  for (int64_t D = 0; D < Dim; ++D) {
    const double S = 1.0 / (1.0 + std::exp(-Gate[D]));
    for (int64_t Bi = 0; Bi < B; ++Bi) {
      const int64_t R0 = Bi * T;
      EXPECT_NEAR(Y[R0 * Dim + D], S * X[R0 * Dim + D], 1e-15); // zero prev
      for (int64_t Ti = 1; Ti < T; ++Ti) {
        const int64_t R = R0 + Ti;
        EXPECT_NEAR(Y[R * Dim + D],
                    S * X[R * Dim + D] + (1 - S) * X[(R - 1) * Dim + D], 1e-15);
      }
    }
  }
}

TEST(EmbeddingTest, SmearGateBackwardFiniteDifference) {
  const int64_t B = 2, T = 4, Dim = 3, N = B * T * Dim;
  std::vector<double> X(N), G(Dim), DY(N), Y(N), DX(N), DG(Dim);
  fillRandom<double>(X, 7);
  fillRandom<double>(G, 8, 0.1, 3.0);
  fillRandom<double>(DY, 9);
  auto Loss = [&] {
    smearGateForward<double>(B, T, Dim, X.data(), G.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  smearGateBackward<double>(B, T, Dim, X.data(), G.data(), DY.data(), DX.data(),
                            DG.data());
  llvm::SmallVector<double, 64> NumX, NumG;
  finiteDifferenceGradient(Loss, X, 1e-5, NumX);
  finiteDifferenceGradient(Loss, G, 1e-5, NumG);
  EXPECT_LE(maxRelativeError(DX, NumX), 1e-6);
  EXPECT_LE(maxRelativeError(DG, NumG), 1e-6);
}

TEST(EmbeddingTest, SmearGateFloat32MatchesFloat64) {
  const int64_t B = 3, T = 50, Dim = 40, N = B * T * Dim;
  std::vector<double> X(N), G(Dim), DY(N), Y(N), DX(N), DG(Dim);
  fillRandom<double>(X, 10);
  fillRandom<double>(G, 11, 0.1, 3.0);
  fillRandom<double>(DY, 12);
  std::vector<float> Xf(X.begin(), X.end()), Gf(G.begin(), G.end()),
      DYf(DY.begin(), DY.end()), Yf(N), DXf(N), DGf(Dim);
  smearGateForward<double>(B, T, Dim, X.data(), G.data(), Y.data());
  smearGateBackward<double>(B, T, Dim, X.data(), G.data(), DY.data(), DX.data(),
                            DG.data());
  smearGateForward<float>(B, T, Dim, Xf.data(), Gf.data(), Yf.data());
  smearGateBackward<float>(B, T, Dim, Xf.data(), Gf.data(), DYf.data(),
                           DXf.data(), DGf.data());
  for (int64_t I = 0; I < N; ++I) {
    EXPECT_NEAR(Yf[I], Y[I], 1e-6);
    EXPECT_NEAR(DXf[I], DX[I], 1e-6);
  }
  for (int64_t D = 0; D < Dim; ++D)
    EXPECT_NEAR(DGf[D], DG[D], 1e-5 * (1 + std::fabs(DG[D])));
}
