//===- tests/runtime/AttentionTest.cpp - Causal GQA attention -------------===//
///
/// \file
/// attentionForward vs a naive O(T^2) masked-softmax oracle (MHA and GQA),
/// backward vs fp64 finite differences for dQ/dK/dV, GQA dK/dV equal to the
/// group sums of an equivalent MHA with repeated kv heads, fp32 vs fp64.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Attention.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace hybc::cpu;

namespace {

int64_t qSize(const AttentionDims &S) {
  return S.Batch * S.Seq * S.QHeads * S.HeadDim;
}
int64_t kvSize(const AttentionDims &S) {
  return S.Batch * S.Seq * S.KvHeads * S.HeadDim;
}

/// Oracle: full (T, T) score matrix with -inf above the diagonal, softmax
/// over each row, then P V; everything in double.
void naiveAttention(const AttentionDims &S, double Scale, const double *Q,
                    const double *K, const double *V, double *O, double *Lse) {
  const int64_t T = S.Seq, D = S.HeadDim, G = S.QHeads / S.KvHeads;
  std::vector<double> Scores(T * T);
  for (int64_t B = 0; B < S.Batch; ++B)
    for (int64_t H = 0; H < S.QHeads; ++H) {
      auto QAt = [&](int64_t I) {
        return Q + ((B * T + I) * S.QHeads + H) * D;
      };
      auto KvAt = [&](const double *X, int64_t J) {
        return X + ((B * T + J) * S.KvHeads + H / G) * D;
      };
      for (int64_t I = 0; I < T; ++I)
        for (int64_t J = 0; J < T; ++J) {
          double Dot = 0;
          for (int64_t E = 0; E < D; ++E)
            Dot += QAt(I)[E] * KvAt(K, J)[E];
          Scores[I * T + J] = J <= I ? Scale * Dot : -INFINITY;
        }
      for (int64_t I = 0; I < T; ++I) {
        double Sum = 0;
        for (int64_t J = 0; J < T; ++J)
          Sum += std::exp(Scores[I * T + J]);
        Lse[(B * S.QHeads + H) * T + I] = std::log(Sum);
        double *Out = O + ((B * T + I) * S.QHeads + H) * D;
        for (int64_t E = 0; E < D; ++E) {
          double Acc = 0;
          for (int64_t J = 0; J < T; ++J)
            Acc += std::exp(Scores[I * T + J]) / Sum * KvAt(V, J)[E];
          Out[E] = Acc;
        }
      }
    }
}

void checkAgainstOracle(const AttentionDims &S, uint64_t Seed) {
  const double Scale = 1.0 / std::sqrt(double(S.HeadDim));
  std::vector<double> Q(qSize(S)), K(kvSize(S)), V(kvSize(S)), O(qSize(S)),
      ORef(qSize(S)), Lse(S.Batch * S.QHeads * S.Seq), LseRef(Lse.size());
  fillRandom<double>(Q, Seed, 0.1, 2.0);
  fillRandom<double>(K, Seed + 1, 0.1, 2.0);
  fillRandom<double>(V, Seed + 2);
  attentionForward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                           Lse.data());
  naiveAttention(S, Scale, Q.data(), K.data(), V.data(), ORef.data(),
                 LseRef.data());
  EXPECT_LE(maxRelativeError(O, ORef), 1e-13);
  EXPECT_LE(maxRelativeError(Lse, LseRef), 1e-13);
}

} // namespace

TEST(AttentionTest, ForwardMatchesNaiveMha) {
  checkAgainstOracle({2, 7, 2, 2, 5}, 1);
}

TEST(AttentionTest, ForwardMatchesNaiveGqa) {
  checkAgainstOracle({2, 9, 4, 2, 4}, 4);
  checkAgainstOracle({1, 6, 3, 1, 3}, 7);
  checkAgainstOracle({3, 33, 8, 4, 8}, 10); // large enough to go parallel
}

TEST(AttentionTest, BackwardFiniteDifferenceGqa) {
  const AttentionDims S{2, 5, 4, 2, 3};
  const double Scale = 0.7;
  std::vector<double> Q(qSize(S)), K(kvSize(S)), V(kvSize(S)), O(qSize(S)),
      DO(qSize(S)), Lse(S.Batch * S.QHeads * S.Seq), DQ(qSize(S)),
      DK(kvSize(S)), DV(kvSize(S));
  fillRandom<double>(Q, 20);
  fillRandom<double>(K, 21);
  fillRandom<double>(V, 22);
  fillRandom<double>(DO, 23);
  auto Loss = [&] {
    attentionForward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                             nullptr);
    return weightedSum<double>(DO, O);
  };
  attentionForward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                           Lse.data());
  attentionBackward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                            Lse.data(), DO.data(), DQ.data(), DK.data(),
                            DV.data());
  llvm::SmallVector<double, 64> NumQ, NumK, NumV;
  finiteDifferenceGradient(Loss, Q, 1e-5, NumQ);
  finiteDifferenceGradient(Loss, K, 1e-5, NumK);
  finiteDifferenceGradient(Loss, V, 1e-5, NumV);
  EXPECT_LE(maxRelativeError(DQ, NumQ), 1e-6);
  EXPECT_LE(maxRelativeError(DK, NumK), 1e-6);
  EXPECT_LE(maxRelativeError(DV, NumV), 1e-6);
}

TEST(AttentionTest, GqaGradientsAreGroupSumsOfMha) {
  const AttentionDims G{2, 6, 4, 2, 4}, M{2, 6, 4, 4, 4};
  const int64_t Group = 2, D = 4;
  std::vector<double> Q(qSize(G)), K(kvSize(G)), V(kvSize(G)), DO(qSize(G));
  fillRandom<double>(Q, 30);
  fillRandom<double>(K, 31);
  fillRandom<double>(V, 32);
  fillRandom<double>(DO, 33);
  // Expand kv heads: MHA head h uses GQA kv head h / Group.
  std::vector<double> KM(kvSize(M)), VM(kvSize(M));
  for (int64_t Row = 0; Row < G.Batch * G.Seq; ++Row)
    for (int64_t H = 0; H < M.KvHeads; ++H)
      for (int64_t E = 0; E < D; ++E) {
        KM[(Row * 4 + H) * D + E] = K[(Row * 2 + H / Group) * D + E];
        VM[(Row * 4 + H) * D + E] = V[(Row * 2 + H / Group) * D + E];
      }
  auto Run = [&](const AttentionDims &S, const std::vector<double> &KX,
                 const std::vector<double> &VX, std::vector<double> &DQ,
                 std::vector<double> &DK, std::vector<double> &DV) {
    std::vector<double> O(qSize(S)), Lse(S.Batch * S.QHeads * S.Seq);
    DQ.resize(qSize(S));
    DK.resize(kvSize(S));
    DV.resize(kvSize(S));
    attentionForward<double>(S, 0.5, Q.data(), KX.data(), VX.data(), O.data(),
                             Lse.data());
    attentionBackward<double>(S, 0.5, Q.data(), KX.data(), VX.data(), O.data(),
                              Lse.data(), DO.data(), DQ.data(), DK.data(),
                              DV.data());
  };
  std::vector<double> DQG, DKG, DVG, DQM, DKM, DVM;
  Run(G, K, V, DQG, DKG, DVG);
  Run(M, KM, VM, DQM, DKM, DVM);
  EXPECT_LE(maxRelativeError(DQG, DQM), 1e-14);
  for (int64_t Row = 0; Row < G.Batch * G.Seq; ++Row)
    for (int64_t Hk = 0; Hk < 2; ++Hk)
      for (int64_t E = 0; E < D; ++E) {
        const int64_t Idx = (Row * 2 + Hk) * D + E;
        const int64_t M0 = (Row * 4 + Hk * Group) * D + E;
        EXPECT_NEAR(DKG[Idx], DKM[M0] + DKM[M0 + D], 1e-14);
        EXPECT_NEAR(DVG[Idx], DVM[M0] + DVM[M0 + D], 1e-14);
      }
}

TEST(AttentionTest, Float32MatchesFloat64) {
  const AttentionDims S{2, 40, 4, 2, 16};
  const double Scale = 0.25;
  std::vector<double> Q(qSize(S)), K(kvSize(S)), V(kvSize(S)), DO(qSize(S)),
      O(qSize(S)), Lse(S.Batch * S.QHeads * S.Seq), DQ(qSize(S)), DK(kvSize(S)),
      DV(kvSize(S));
  fillRandom<double>(Q, 40);
  fillRandom<double>(K, 41);
  fillRandom<double>(V, 42);
  fillRandom<double>(DO, 43);
  std::vector<float> Qf(Q.begin(), Q.end()), Kf(K.begin(), K.end()),
      Vf(V.begin(), V.end()), DOf(DO.begin(), DO.end()), Of(O.size()),
      Lsef(Lse.size()), DQf(DQ.size()), DKf(DK.size()), DVf(DV.size());
  attentionForward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                           Lse.data());
  attentionBackward<double>(S, Scale, Q.data(), K.data(), V.data(), O.data(),
                            Lse.data(), DO.data(), DQ.data(), DK.data(),
                            DV.data());
  attentionForward<float>(S, 0.25f, Qf.data(), Kf.data(), Vf.data(), Of.data(),
                          Lsef.data());
  attentionBackward<float>(S, 0.25f, Qf.data(), Kf.data(), Vf.data(), Of.data(),
                           Lsef.data(), DOf.data(), DQf.data(), DKf.data(),
                           DVf.data());
  for (size_t I = 0; I < O.size(); ++I) {
    EXPECT_NEAR(Of[I], O[I], 1e-5);
    EXPECT_NEAR(DQf[I], DQ[I], 1e-5);
  }
  for (size_t I = 0; I < DK.size(); ++I) {
    EXPECT_NEAR(DKf[I], DK[I], 1e-5);
    EXPECT_NEAR(DVf[I], DV[I], 1e-5);
  }
}
