//===- tests/runtime/Mamba3LayerTest.cpp - Mamba-3 layer pre/post tests ---===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Layer-level checks: central finite differences (fp64) of dW and every
/// parameter gradient over G ∈ {1, 2}, both decay activations, output norm
/// on/off, carried state on/off and sequential/chunked core; chunked ==
/// sequential; state carry across calls; fp32 == fp64; dt_bias init.
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3Layer.h"
#include "Mamba3TestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>
#include <tuple>

using namespace hybc;
using namespace hybc::cpu;
using namespace hybc::test;

namespace {

/// Owning inputs of one layer call.
template <typename T> struct LayerCase {
  Mamba3Dims Dm;
  std::vector<T> W, DtBias, BBias, CBias, BNormW, CNormW, D, OutNormW;
  std::vector<T> InitAngle, InitSsm, InitK, InitV;

  Mamba3LayerParams<T> params() const {
    return {DtBias.data(), BBias.data(), CBias.data(),   BNormW.data(),
            CNormW.data(), D.data(),     OutNormW.data()};
  }
  Mamba3State<const T> init() const {
    if (InitSsm.empty())
      return {};
    return {InitAngle.data(), InitSsm.data(), InitK.data(), InitV.data()};
  }
  /// Inputs that have gradients, with names (W first).
  std::vector<std::pair<const char *, std::vector<T> *>> tensors() {
    return {{"w", &W},          {"dt_bias", &DtBias},     {"B_bias", &BBias},
            {"C_bias", &CBias}, {"B_norm_w", &BNormW},    {"C_norm_w", &CNormW},
            {"D", &D},          {"out_norm_w", &OutNormW}};
  }
};

LayerCase<double> randomLayer(const Mamba3Dims &Dm, uint64_t Seed,
                              bool HasInit) {
  std::mt19937_64 Rng(Seed);
  std::normal_distribution<double> Nrm;
  auto Fill = [&](std::vector<double> &V, int64_t N, double Mean, double Sd) {
    V.resize(N);
    for (double &X : V)
      X = Mean + Sd * Nrm(Rng);
  };
  LayerCase<double> C;
  C.Dm = Dm;
  const int64_t H = Dm.Heads, N = Dm.StateDim, BH = Dm.Batch * H;
  Fill(C.W, Dm.Batch * Dm.SeqLen * Dm.projDim(), 0, 1);
  Fill(C.DtBias, H, -0.5, 0.5);
  Fill(C.BBias, H * N, 1, 0.5);
  Fill(C.CBias, H * N, 1, 0.5);
  Fill(C.BNormW, N, 1, 0.3);
  Fill(C.CNormW, N, 1, 0.3);
  Fill(C.D, H, 1, 0.5);
  Fill(C.OutNormW, Dm.innerDim(), 1, 0.3);
  // One decay in the clamped region of each activation.
  C.W[Dm.projDim() + Dm.offA()] =
      Dm.AAct == Mamba3AAct::Softplus ? -30.0 : -2.0e4;
  if (HasInit) {
    Fill(C.InitAngle, BH * Dm.NumAngles, 3, 1);
    Fill(C.InitSsm, BH * Dm.HeadDim * N, 0, 1);
    Fill(C.InitK, BH * N, 0, 1);
    Fill(C.InitV, BH * Dm.HeadDim, 0, 1);
  }
  return C;
}

template <typename T>
std::vector<T> layerForward(const LayerCase<T> &C, Mamba3LayerSaved<T> &Sv,
                            CoreOutputs<T> *Final = nullptr) {
  std::vector<T> O(C.Dm.Batch * C.Dm.SeqLen * C.Dm.innerDim());
  Mamba3State<T> Fin;
  if (Final) {
    const int64_t BH = C.Dm.Batch * C.Dm.Heads;
    Final->Angle.resize(BH * C.Dm.NumAngles);
    Final->Ssm.resize(BH * C.Dm.HeadDim * C.Dm.StateDim);
    Final->K.resize(BH * C.Dm.StateDim);
    Final->V.resize(BH * C.Dm.HeadDim);
    Fin = {Final->Angle.data(), Final->Ssm.data(), Final->K.data(),
           Final->V.data()};
  }
  mamba3LayerForward(C.Dm, C.W.data(), C.params(), C.init(), O.data(), Fin, Sv);
  return O;
}

/// Gradients of Σ O·R for every tensor of LayerCase::tensors().
template <typename T>
LayerCase<T> layerBackward(const LayerCase<T> &C, const std::vector<T> &R) {
  Mamba3LayerSaved<T> Sv;
  layerForward(C, Sv);
  LayerCase<T> G = C;
  Mamba3LayerParamGrads<T> Pg{G.DtBias.data(),
                              G.BBias.data(),
                              G.CBias.data(),
                              G.BNormW.data(),
                              G.CNormW.data(),
                              G.D.data(),
                              C.Dm.OutProjNorm ? G.OutNormW.data() : nullptr};
  if (!C.Dm.OutProjNorm)
    std::fill(G.OutNormW.begin(), G.OutNormW.end(), T(0));
  mamba3LayerBackward(C.Dm, C.W.data(), C.params(), C.init(), Sv, R.data(),
                      G.W.data(), Pg);
  return G;
}

double dotLoss(const std::vector<double> &O, const std::vector<double> &R) {
  double S = 0;
  for (size_t I = 0; I < O.size(); ++I)
    S += O[I] * R[I];
  return S;
}

/// (G, heavy-tail, out norm, carried state, chunk size).
using LayerConfig = std::tuple<int, bool, bool, bool, int>;
class Mamba3LayerGradCheck : public ::testing::TestWithParam<LayerConfig> {};

TEST_P(Mamba3LayerGradCheck, MatchesFiniteDifferences) {
  auto [G, Heavy, Norm, Init, Chunk] = GetParam();
  Mamba3Dims Dm;
  Dm.Batch = 2, Dm.SeqLen = 5, Dm.Heads = 4, Dm.HeadDim = 2, Dm.StateDim = 4;
  Dm.Groups = G, Dm.NumAngles = 1, Dm.ChunkSize = Chunk;
  Dm.AAct = Heavy ? Mamba3AAct::HeavyTail : Mamba3AAct::Softplus;
  Dm.OutProjNorm = Norm;
  LayerCase<double> C = randomLayer(Dm, 40 + G + 2 * Heavy + 4 * Norm, Init);
  Mamba3LayerSaved<double> Sv;
  std::vector<double> R = layerForward(C, Sv);
  for (size_t I = 0; I < R.size(); ++I)
    R[I] = std::sin(1.3 * I + G);
  LayerCase<double> Gr = layerBackward(C, R);
  auto In = C.tensors();
  auto Gs = Gr.tensors();
  const double Eps = 1e-6;
  for (size_t K = 0; K < In.size(); ++K) {
    if (!Norm && std::string(In[K].first) == "out_norm_w")
      continue;
    std::vector<double> &X = *In[K].second, Fd(X.size());
    for (size_t I = 0; I < X.size(); ++I) {
      const double Orig = X[I];
      X[I] = Orig + Eps;
      double Lp = dotLoss(layerForward(C, Sv), R);
      X[I] = Orig - Eps;
      double Lm = dotLoss(layerForward(C, Sv), R);
      X[I] = Orig;
      Fd[I] = (Lp - Lm) / (2 * Eps);
    }
    EXPECT_LE(relL2(*Gs[K].second, Fd), 1e-6) << In[K].first;
  }
  // The clamped decay input gets no gradient.
  EXPECT_EQ(Gr.W[Dm.projDim() + Dm.offA()], 0.0);
}

INSTANTIATE_TEST_SUITE_P(Configs, Mamba3LayerGradCheck,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Values(0, 3)));

Mamba3Dims mediumDims(int64_t Chunk, bool Norm) {
  Mamba3Dims Dm;
  Dm.Batch = 2, Dm.SeqLen = 45, Dm.Heads = 4, Dm.HeadDim = 8;
  Dm.StateDim = 16, Dm.Groups = 2, Dm.NumAngles = 4, Dm.ChunkSize = Chunk;
  Dm.OutProjNorm = Norm;
  return Dm;
}

TEST(Mamba3Layer, ChunkedEqualsSequential) {
  for (bool Norm : {false, true}) {
    LayerCase<double> Seq = randomLayer(mediumDims(0, Norm), 3, true);
    LayerCase<double> Chk = Seq;
    Chk.Dm.ChunkSize = 16;
    Mamba3LayerSaved<double> S1, S2;
    std::vector<double> O1 = layerForward(Seq, S1), O2 = layerForward(Chk, S2);
    EXPECT_LE(relL2(O2, O1), 1e-10);
    std::vector<double> R(O1.size());
    for (size_t I = 0; I < R.size(); ++I)
      R[I] = std::cos(0.7 * I);
    LayerCase<double> G1 = layerBackward(Seq, R), G2 = layerBackward(Chk, R);
    auto A = G1.tensors(), B = G2.tensors();
    for (size_t K = 0; K < A.size(); ++K)
      EXPECT_LE(relL2(*B[K].second, *A[K].second), 1e-10) << A[K].first;
  }
}

/// Tokens [T0, T1) of a (B, L, Inner) tensor.
std::vector<double> sliceTokens(const std::vector<double> &X, int64_t B,
                                int64_t L, int64_t T0, int64_t T1) {
  const int64_t Inner = X.size() / (B * L);
  std::vector<double> R;
  for (int64_t Bi = 0; Bi < B; ++Bi)
    R.insert(R.end(), X.begin() + (Bi * L + T0) * Inner,
             X.begin() + (Bi * L + T1) * Inner);
  return R;
}

TEST(Mamba3Layer, StateCarryEqualsOneCall) {
  LayerCase<double> Full = randomLayer(mediumDims(8, false), 4, false);
  const int64_t B = Full.Dm.Batch, L = Full.Dm.SeqLen, Split = 20;
  Mamba3LayerSaved<double> Sv;
  CoreOutputs<double> FinFull, FinA, FinB;
  std::vector<double> O = layerForward(Full, Sv, &FinFull);
  LayerCase<double> A = Full, Bc = Full;
  A.Dm.SeqLen = Split, Bc.Dm.SeqLen = L - Split;
  A.W = sliceTokens(Full.W, B, L, 0, Split);
  Bc.W = sliceTokens(Full.W, B, L, Split, L);
  std::vector<double> OA = layerForward(A, Sv, &FinA);
  Bc.InitAngle = FinA.Angle, Bc.InitSsm = FinA.Ssm, Bc.InitK = FinA.K;
  Bc.InitV = FinA.V;
  std::vector<double> OB = layerForward(Bc, Sv, &FinB);
  EXPECT_LE(relL2(OA, sliceTokens(O, B, L, 0, Split)), 1e-10);
  EXPECT_LE(relL2(OB, sliceTokens(O, B, L, Split, L)), 1e-10);
  EXPECT_LE(relL2(FinB.Ssm, FinFull.Ssm), 1e-10);
  EXPECT_LE(relL2(FinB.Angle, FinFull.Angle), 1e-10);
}

TEST(Mamba3Layer, FloatMatchesDouble) {
  LayerCase<double> C = randomLayer(mediumDims(0, true), 6, true);
  LayerCase<float> F;
  F.Dm = C.Dm;
  auto Src = C.tensors();
  auto Dst = F.tensors();
  for (size_t K = 0; K < Src.size(); ++K)
    Dst[K].second->assign(Src[K].second->begin(), Src[K].second->end());
  F.InitAngle.assign(C.InitAngle.begin(), C.InitAngle.end());
  F.InitSsm.assign(C.InitSsm.begin(), C.InitSsm.end());
  F.InitK.assign(C.InitK.begin(), C.InitK.end());
  F.InitV.assign(C.InitV.begin(), C.InitV.end());
  Mamba3LayerSaved<double> Sd;
  Mamba3LayerSaved<float> Sf;
  std::vector<double> Od = layerForward(C, Sd);
  EXPECT_LE(relL2(layerForward(F, Sf), Od), 1e-4);
  std::vector<double> R(Od.size());
  for (size_t I = 0; I < R.size(); ++I)
    R[I] = std::sin(0.3 * I);
  std::vector<float> Rf(R.begin(), R.end());
  LayerCase<double> Gd = layerBackward(C, R);
  LayerCase<float> Gf = layerBackward(F, Rf);
  auto A = Gd.tensors();
  auto B = Gf.tensors();
  for (size_t K = 0; K < A.size(); ++K)
    EXPECT_LE(relL2(*B[K].second, *A[K].second), 1e-4) << A[K].first;
}

TEST(Mamba3Layer, InitDtBiasInverseSoftplusInRange) {
  std::mt19937_64 Rng(1234);
  std::vector<double> Bias(64);
  mamba3InitDtBias<double>(Bias, Rng);
  for (double B : Bias) {
    double Dt = std::log1p(std::exp(B));
    EXPECT_GE(Dt, 1e-3 * (1 - 1e-12));
    EXPECT_LE(Dt, 1e-1 * (1 + 1e-12));
  }
  EXPECT_NE(Bias[0], Bias[1]);
  // Floor and determinism via the callback form.
  std::vector<float> Fl(3);
  mamba3InitDtBias<float>(
      Fl, [] { return 0.0; }, 1e-6, 1e-5, 1e-4);
  EXPECT_NEAR(std::log1p(std::exp(double(Fl[0]))), 1e-4, 1e-8);
  std::mt19937_64 R1(7), R2(7);
  std::vector<double> A(5), B(5);
  mamba3InitDtBias<double>(A, R1);
  mamba3InitDtBias<double>(B, R2);
  EXPECT_EQ(A, B);
}

} // namespace
