//===- tests/runtime/Mamba3TestUtil.h - Mamba-3 test helpers ----*- C++ -*-===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Owning buffers for Mamba-3 core test cases (random generation, precision
/// casts, forward/backward runners) and the relative-L2 metric.
///
/// Example:
/// \code
///   CoreCase<double> C = randomCoreCase(Dims, /*Seed=*/1, true, true, true);
///   CoreOutputs<double> O = runCoreForward(C, /*ChunkSize=*/0);
/// \endcode
///
//===----------------------------------------------------------------------===//

#ifndef HYBC_TESTS_RUNTIME_MAMBA3TESTUTIL_H
#define HYBC_TESTS_RUNTIME_MAMBA3TESTUTIL_H

#include "runtime/cpu/Mamba3Core.h"

#include <cmath>
#include <random>
#include <utility>
#include <vector>

namespace hybc {
namespace test {

using cpu::Mamba3CoreDims;

/// ‖A − B‖₂ / max(‖B‖₂, tiny).
template <typename T, typename U>
double relL2(const std::vector<T> &A, const std::vector<U> &B) {
  double Num = 0, Den = 0;
  for (size_t I = 0; I < A.size() && I < B.size(); ++I) {
    double D = double(A[I]) - double(B[I]);
    Num += D * D;
    Den += double(B[I]) * double(B[I]);
  }
  if (A.size() != B.size())
    return 1e300;
  return std::sqrt(Num) / std::max(std::sqrt(Den), 1e-300);
}

/// Owning inputs of one core call. Empty optional vectors mean "absent".
template <typename T> struct CoreCase {
  Mamba3CoreDims Dims;
  std::vector<T> Q, K, V, ADT, DT, Trap, QBias, KBias, Angles, D, Z;
  std::vector<T> InitAngle, InitSsm, InitK, InitV;

  /// Borrowed view for the kernels.
  cpu::Mamba3CoreArgs<T> args() const {
    cpu::Mamba3CoreArgs<T> A;
    A.Q = Q.data(), A.K = K.data(), A.V = V.data(), A.ADT = ADT.data();
    A.DT = DT.data(), A.Trap = Trap.data(), A.QBias = QBias.data();
    A.KBias = KBias.data(), A.Angles = Angles.data();
    A.D = D.empty() ? nullptr : D.data();
    A.Z = Z.empty() ? nullptr : Z.data();
    if (!InitSsm.empty())
      A.Init = {InitAngle.data(), InitSsm.data(), InitK.data(), InitV.data()};
    return A;
  }
  /// Every tensor with its name, for generic loops (finite differences).
  std::vector<std::pair<const char *, std::vector<T> *>> tensors() {
    return {{"Q", &Q},
            {"K", &K},
            {"V", &V},
            {"ADT", &ADT},
            {"DT", &DT},
            {"Trap", &Trap},
            {"Q_bias", &QBias},
            {"K_bias", &KBias},
            {"Angles", &Angles},
            {"D", &D},
            {"Z", &Z},
            {"init_angle", &InitAngle},
            {"init_ssm", &InitSsm},
            {"init_k", &InitK},
            {"init_v", &InitV}};
  }
};

/// Converts a case to another element type.
template <typename U, typename T> CoreCase<U> castCase(CoreCase<T> C) {
  CoreCase<U> R;
  R.Dims = C.Dims;
  auto Src = C.tensors();
  auto Dst = R.tensors();
  for (size_t I = 0; I < Src.size(); ++I)
    Dst[I].second->assign(Src[I].second->begin(), Src[I].second->end());
  return R;
}

/// Random case in the spirit of docs/mamba3.md §4.4, with decays and step
/// sizes large enough that every gradient is informative.
inline CoreCase<double> randomCoreCase(const Mamba3CoreDims &Dm, uint64_t Seed,
                                       bool HasD, bool HasZ, bool HasInit) {
  std::mt19937_64 Rng(Seed);
  std::normal_distribution<double> Nrm;
  std::uniform_real_distribution<double> Uni;
  auto Fill = [&](std::vector<double> &V, int64_t N, double Lo, double Hi,
                  bool Gauss) {
    V.resize(N);
    for (double &X : V)
      X = Gauss ? Nrm(Rng) : Lo + (Hi - Lo) * Uni(Rng);
  };
  CoreCase<double> C;
  C.Dims = Dm;
  const int64_t B = Dm.Batch, L = Dm.SeqLen, H = Dm.Heads, N = Dm.StateDim;
  const int64_t P = Dm.HeadDim, S = Dm.NumAngles;
  Fill(C.Q, B * L * Dm.HeadsQK * N, 0, 0, true);
  Fill(C.K, B * L * Dm.HeadsQK * N, 0, 0, true);
  Fill(C.V, B * L * H * P, 0, 0, true);
  Fill(C.DT, B * H * L, 0.05, 0.8, false);
  Fill(C.ADT, B * H * L, 0.1, 1.5, false);
  for (size_t I = 0; I < C.ADT.size(); ++I)
    C.ADT[I] = -C.ADT[I] * C.DT[I] * 3;
  Fill(C.Trap, B * H * L, 0, 0, true);
  Fill(C.QBias, H * N, 0, 0, true);
  Fill(C.KBias, H * N, 0, 0, true);
  Fill(C.Angles, B * L * Dm.AngleHeads * S, 0, 0, true);
  if (HasD)
    Fill(C.D, H, 0, 0, true);
  if (HasZ)
    Fill(C.Z, B * L * H * P, 0, 0, true);
  if (HasInit) {
    Fill(C.InitAngle, B * H * S, 0, 6.2, false);
    Fill(C.InitSsm, B * H * P * N, 0, 0, true);
    Fill(C.InitK, B * H * N, 0, 0, true);
    Fill(C.InitV, B * H * P, 0, 0, true);
  }
  return C;
}

/// Owning forward results.
template <typename T> struct CoreOutputs {
  std::vector<T> Out, Angle, Ssm, K, V;
};

/// Converts outputs (e.g. upstream gradients) to another element type.
template <typename U, typename T>
CoreOutputs<U> castOutputs(const CoreOutputs<T> &O) {
  CoreOutputs<U> R;
  R.Out.assign(O.Out.begin(), O.Out.end());
  R.Angle.assign(O.Angle.begin(), O.Angle.end());
  R.Ssm.assign(O.Ssm.begin(), O.Ssm.end());
  R.K.assign(O.K.begin(), O.K.end());
  R.V.assign(O.V.begin(), O.V.end());
  return R;
}

/// Runs the sequential (ChunkSize == 0) or chunked forward.
template <typename T>
CoreOutputs<T> runCoreForward(const CoreCase<T> &C, int64_t ChunkSize) {
  const Mamba3CoreDims &D = C.Dims;
  const int64_t BH = D.Batch * D.Heads;
  CoreOutputs<T> O;
  O.Out.assign(D.Batch * D.SeqLen * D.Heads * D.HeadDim, T(0));
  O.Angle.assign(BH * D.NumAngles, T(0));
  O.Ssm.assign(BH * D.HeadDim * D.StateDim, T(0));
  O.K.assign(BH * D.StateDim, T(0));
  O.V.assign(BH * D.HeadDim, T(0));
  cpu::Mamba3CoreResults<T> R{
      O.Out.data(), {O.Angle.data(), O.Ssm.data(), O.K.data(), O.V.data()}};
  if (ChunkSize > 0)
    cpu::mamba3CoreForwardChunked(D, C.args(), R, ChunkSize);
  else
    cpu::mamba3CoreForward(D, C.args(), R);
  return O;
}

/// Runs the BPTT (ChunkSize == 0) or chunked backward; the result holds a
/// gradient for every tensor of \p C (same order as CoreCase::tensors()),
/// empty where the input is absent.
template <typename T>
CoreCase<T> runCoreBackward(const CoreCase<T> &C, const CoreOutputs<T> &Up,
                            int64_t ChunkSize) {
  CoreCase<T> G = C;
  auto GT = G.tensors();
  for (auto &KV : GT)
    std::fill(KV.second->begin(), KV.second->end(), T(-777));
  cpu::Mamba3CoreGrads<T> Gr;
  auto Ptr = [](std::vector<T> &V) { return V.empty() ? nullptr : V.data(); };
  Gr.DQ = Ptr(G.Q), Gr.DK = Ptr(G.K), Gr.DV = Ptr(G.V), Gr.DADT = Ptr(G.ADT);
  Gr.DDT = Ptr(G.DT), Gr.DTrap = Ptr(G.Trap), Gr.DQBias = Ptr(G.QBias);
  Gr.DKBias = Ptr(G.KBias), Gr.DAngles = Ptr(G.Angles), Gr.DD = Ptr(G.D);
  Gr.DZ = Ptr(G.Z);
  Gr.DInit = {Ptr(G.InitAngle), Ptr(G.InitSsm), Ptr(G.InitK), Ptr(G.InitV)};
  auto CPtr = [](const std::vector<T> &V) {
    return V.empty() ? nullptr : V.data();
  };
  cpu::Mamba3CoreUpstream<T> U{
      Up.Out.data(), {CPtr(Up.Angle), CPtr(Up.Ssm), CPtr(Up.K), CPtr(Up.V)}};
  if (ChunkSize > 0)
    cpu::mamba3CoreBackwardChunked(C.Dims, C.args(), U, Gr, ChunkSize);
  else
    cpu::mamba3CoreBackward(C.Dims, C.args(), U, Gr);
  return G;
}

/// Σ_k Σ_i Out_k[i]·W_k[i] over the five forward outputs.
template <typename T>
double weightedLoss(const CoreOutputs<T> &O, const CoreOutputs<T> &W) {
  double S = 0;
  auto Dot = [&](const std::vector<T> &A, const std::vector<T> &B) {
    for (size_t I = 0; I < A.size() && I < B.size(); ++I)
      S += double(A[I]) * double(B[I]);
  };
  Dot(O.Out, W.Out), Dot(O.Angle, W.Angle), Dot(O.Ssm, W.Ssm);
  Dot(O.K, W.K), Dot(O.V, W.V);
  return S;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_RUNTIME_MAMBA3TESTUTIL_H
