//===- runtime/cpu/Mamba3CoreBackwardChunked.cpp - chunked core backward --===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Chunked backward of the Mamba-3 SISO core (docs/mamba3.md §3.4 step 1
/// and step 3): per (batch, head), a forward pass stores every chunk-entry
/// state S_j, then the chunks are walked in reverse carrying S̄ = dL/dS_{j+1}.
/// Decay gradients come from per-element products (never the unstable
/// y·ȳ shortcut). The result is converted to rotated-space gradients and
/// handed to the shared backward tail, like the BPTT kernel.
///
/// Example:
/// \code
///   mamba3CoreBackwardChunked(Dims, Args, Up, Grads, /*ChunkSize=*/64);
/// \endcode
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3Core.h"
#include "runtime/cpu/Mamba3CoreDetail.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace cpu {

using namespace mamba3;

namespace {

/// Read-only context of one (b, h) task.
template <typename T> struct ChunkCtx {
  const Mamba3CoreDims &Dims;
  const Mamba3Index &Ix;
  const Mamba3CoreArgs<T> &A;
  const Mamba3CoreUpstream<T> &Up;
  const Mamba3CoreGrads<T> &G;
  const Mamba3HeadPrep<T> &Prep;
  int64_t Bi, Hd;
  /// Value row of token \p T0.
  const T *x(int64_t T0) const { return A.V + Ix.v(Bi, T0, Hd); }
  const T *qr(int64_t T0) const { return &Prep.Qr[T0 * Ix.N]; }
  const T *kr(int64_t T0) const { return &Prep.Kr[T0 * Ix.N]; }
  T d() const { return A.D ? A.D[Hd] : T(0); }
};

/// Per-task accumulators and per-chunk scratch.
template <typename T> struct ChunkWork {
  std::vector<T> SBar;  ///< P×N gradient of the state leaving the chunk
  std::vector<T> DX;    ///< L×P
  std::vector<T> DKhat; ///< L×N gradient of the scaled key σ·k̃
  std::vector<T> Dg;    ///< L gradient of the diagonal coefficient γ(q·k)
  std::vector<T> Dy;    ///< Lc×P ȳ of the chunk
  std::vector<T> QK;    ///< Lc×Lc q̃_t·k̃_s
  std::vector<T> Dcs;   ///< Lc gradient of the cumulative log-decays
  std::vector<T> Y, VecN, VecP;
};

template <typename T> T dot(const T *A, const T *B, int64_t N) {
  T S = 0;
#pragma omp simd reduction(+ : S)
  for (int64_t I = 0; I < N; ++I)
    S += A[I] * B[I];
  return S;
}

/// Recomputes the pre-gate output of the chunk, then ȳ, dZ and dD.
template <typename T>
void chunkGate(const ChunkCtx<T> &C, int64_t C0, int64_t C1,
               const std::vector<T> &Cs, const T *Sj, ChunkWork<T> &W,
               Mamba3HeadGrad<T> &HG) {
  const int64_t P = C.Ix.P, N = C.Ix.N, Nc = C1 - C0;
  for (int64_t T0 = 0; T0 < Nc; ++T0)
    for (int64_t S0 = 0; S0 <= T0; ++S0)
      W.QK[T0 * Nc + S0] = dot(C.qr(C0 + T0), C.kr(C0 + S0), N);
  for (int64_t T0 = 0; T0 < Nc; ++T0) {
    const int64_t Tg = C0 + T0, Row = C.Ix.v(C.Bi, Tg, C.Hd);
    const T E = std::exp(Cs[T0]);
    for (int64_t I = 0; I < P; ++I)
      W.Y[I] = E * dot(Sj + I * N, C.qr(Tg), N);
    for (int64_t S0 = 0; S0 < T0; ++S0) {
      T Coef = std::exp(Cs[T0] - Cs[S0]) * C.Prep.Sigma[C0 + S0] *
               W.QK[T0 * Nc + S0];
      for (int64_t I = 0; I < P; ++I)
        W.Y[I] += Coef * C.x(C0 + S0)[I];
    }
    T Diag = C.Prep.Gamma[Tg] * W.QK[T0 * Nc + T0] + C.d();
    for (int64_t I = 0; I < P; ++I)
      W.Y[I] += Diag * C.x(Tg)[I];
    gateBackwardRow(C.Up.DOut + Row, C.A.Z ? C.A.Z + Row : nullptr, W.Y.data(),
                    P, &W.Dy[T0 * P], C.G.DZ ? C.G.DZ + Row : nullptr);
    W.Dg[Tg] = dot(&W.Dy[T0 * P], C.x(Tg), P);
    HG.DD += W.Dg[Tg];
  }
}

/// Intra-chunk part: the strictly-lower masked product and the diagonal.
template <typename T>
void chunkIntra(const ChunkCtx<T> &C, int64_t C0, int64_t C1,
                const std::vector<T> &Cs, ChunkWork<T> &W,
                Mamba3HeadGrad<T> &HG) {
  const int64_t P = C.Ix.P, N = C.Ix.N, Nc = C1 - C0;
  for (int64_t T0 = 0; T0 < Nc; ++T0) {
    const int64_t Tg = C0 + T0;
    const T *Dy = &W.Dy[T0 * P];
    for (int64_t S0 = 0; S0 < T0; ++S0) {
      const int64_t Sg = C0 + S0;
      const T Sig = C.Prep.Sigma[Sg];
      T E = std::exp(Cs[T0] - Cs[S0]), Yx = dot(Dy, C.x(Sg), P);
      T ABar = Yx * E, Ats = E * Sig * W.QK[T0 * Nc + S0];
      T *DQr = &HG.DQr[Tg * N], *DKh = &W.DKhat[Sg * N];
      const T *Ks = C.kr(Sg), *Qt = C.qr(Tg);
      for (int64_t J = 0; J < N; ++J) {
        DQr[J] += ABar * Sig * Ks[J];
        DKh[J] += ABar * Qt[J];
      }
      for (int64_t I = 0; I < P; ++I)
        W.DX[Sg * P + I] += Ats * Dy[I];
      T Gts = Ats * Yx;
      W.Dcs[T0] += Gts;
      W.Dcs[S0] -= Gts;
    }
    T Diag = C.d() + C.Prep.Gamma[Tg] * W.QK[T0 * Nc + T0];
    for (int64_t I = 0; I < P; ++I)
      W.DX[Tg * P + I] += Diag * Dy[I];
  }
}

/// Inter-chunk read-out, state-output terms, dADT and the S̄ update.
template <typename T>
void chunkInter(const ChunkCtx<T> &C, int64_t C0, int64_t C1,
                const std::vector<T> &Cs, const T *Sj, ChunkWork<T> &W,
                Mamba3HeadGrad<T> &HG) {
  const int64_t P = C.Ix.P, N = C.Ix.N, Nc = C1 - C0;
  const T Last = Cs[Nc - 1];
  for (int64_t T0 = 0; T0 < Nc; ++T0) {
    const T E = std::exp(Cs[T0]), *Dy = &W.Dy[T0 * P];
    std::fill(W.VecN.begin(), W.VecN.end(), T(0));
    for (int64_t I = 0; I < P; ++I)
      for (int64_t J = 0; J < N; ++J)
        W.VecN[J] += Sj[I * N + J] * Dy[I];
    for (int64_t J = 0; J < N; ++J)
      HG.DQr[(C0 + T0) * N + J] += E * W.VecN[J];
    W.Dcs[T0] += E * dot(W.VecN.data(), C.qr(C0 + T0), N);
  }
  for (int64_t S0 = 0; S0 < Nc; ++S0) {
    const int64_t Sg = C0 + S0;
    const T We = std::exp(Last - Cs[S0]), Sig = C.Prep.Sigma[Sg];
    const T *Xs = C.x(Sg);
    for (int64_t I = 0; I < P; ++I) {
      W.VecP[I] = dot(&W.SBar[I * N], C.kr(Sg), N);
      W.DX[Sg * P + I] += We * Sig * W.VecP[I];
      for (int64_t J = 0; J < N; ++J)
        W.DKhat[Sg * N + J] += We * W.SBar[I * N + J] * Xs[I];
    }
    T Ws = We * Sig * dot(Xs, W.VecP.data(), P);
    W.Dcs[S0] -= Ws;
    W.Dcs[Nc - 1] += Ws;
  }
  W.Dcs[Nc - 1] += std::exp(Last) * dot(W.SBar.data(), Sj, P * N);
  T Run = 0;
  for (int64_t R = Nc - 1; R >= 0; --R)
    HG.DA[C0 + R] = Run += W.Dcs[R];
  const T EL = std::exp(Last);
  for (T &V : W.SBar)
    V *= EL;
  for (int64_t T0 = 0; T0 < Nc; ++T0) {
    const T E = std::exp(Cs[T0]), *Dy = &W.Dy[T0 * P], *Q = C.qr(C0 + T0);
    for (int64_t I = 0; I < P; ++I)
      for (int64_t J = 0; J < N; ++J)
        W.SBar[I * N + J] += E * Dy[I] * Q[J];
  }
}

/// Converts (dK̂, dg) to rotated-space key/query gradients and the Δ/λ
/// gradients of σ and γ (§3.4 step 3), and handles the carried state.
template <typename T>
void convertChunkGrads(const ChunkCtx<T> &C, ChunkWork<T> &W,
                       Mamba3HeadGrad<T> &HG) {
  const int64_t L = C.Ix.L, N = C.Ix.N, P = C.Ix.P;
  const Mamba3HeadPrep<T> &Pr = C.Prep;
  for (int64_t T0 = 0; T0 < L; ++T0) {
    const T *Q = C.qr(T0), *K = C.kr(T0), *DKh = &W.DKhat[T0 * N];
    T SBarT = dot(DKh, K, N), GBar = W.Dg[T0] * dot(Q, K, N);
    T DgG = W.Dg[T0] * Pr.Gamma[T0];
    for (int64_t J = 0; J < N; ++J) {
      HG.DKr[T0 * N + J] += Pr.Sigma[T0] * DKh[J] + DgG * Q[J];
      HG.DQr[T0 * N + J] += DgG * K[J];
    }
    HG.DDelta[T0] += (GBar + SBarT) * Pr.Lambda[T0];
    HG.DLambda[T0] += (GBar + SBarT) * Pr.Delta[T0];
    if (T0 + 1 < L) {
      HG.DDelta[T0 + 1] += SBarT * (T(1) - Pr.Lambda[T0 + 1]);
      HG.DLambda[T0 + 1] -= SBarT * Pr.Delta[T0 + 1];
    }
  }
  // S_0 = H_{−1} + ξ·x_{−1}k̃_{−1}ᵀ with ξ = (1−λ_0)Δ_0.
  const T Xi = (T(1) - Pr.Lambda[0]) * Pr.Delta[0];
  std::vector<T> DInitV(P, T(0));
  T XiBar = 0;
  for (int64_t I = 0; I < P; ++I) {
    T Sk = dot(&W.SBar[I * N], Pr.InitK.data(), N);
    DInitV[I] = Xi * Sk;
    XiBar += Pr.InitV[I] * Sk;
    for (int64_t J = 0; J < N; ++J)
      HG.DInitK[J] += Xi * W.SBar[I * N + J] * Pr.InitV[I];
  }
  HG.DDelta[0] += XiBar * (T(1) - Pr.Lambda[0]);
  HG.DLambda[0] -= XiBar * Pr.Delta[0];
  const int64_t BH = C.Ix.bh(C.Bi, C.Hd);
  if (C.A.Init.present() && C.G.DInit.Ssm)
    std::copy(W.SBar.begin(), W.SBar.end(), C.G.DInit.Ssm + BH * P * N);
  if (C.A.Init.present() && C.G.DInit.V)
    std::copy(DInitV.begin(), DInitV.end(), C.G.DInit.V + BH * P);
}

/// Whole chunked backward of one task.
template <typename T>
void chunkedHead(const ChunkCtx<T> &C, int64_t Lc, Mamba3HeadGrad<T> &HG) {
  const Mamba3Index &Ix = C.Ix;
  const int64_t L = Ix.L, P = Ix.P, N = Ix.N, PN = P * N;
  const int64_t NC = (L + Lc - 1) / Lc, BH = Ix.bh(C.Bi, C.Hd);
  std::vector<T> St, Cs, States(NC * PN);
  loadMamba3InitSsm(C.Dims, C.A, C.Bi, C.Hd, St);
  mamba3FoldInitState(Ix, C.Prep, St);
  for (int64_t J = 0; J < NC; ++J) {
    std::copy(St.begin(), St.end(), &States[J * PN]);
    int64_t C0 = J * Lc, C1 = std::min(L, C0 + Lc);
    mamba3ChunkCumsum(C.Prep, C0, C1, Cs);
    mamba3ChunkStateUpdate(Ix, C.A, C.Prep, C.Bi, C.Hd, C0, C1, Cs, St);
  }
  ChunkWork<T> W{std::vector<T>(PN, T(0)),    std::vector<T>(L * P, T(0)),
                 std::vector<T>(L * N, T(0)), std::vector<T>(L, T(0)),
                 std::vector<T>(Lc * P),      std::vector<T>(Lc * Lc),
                 std::vector<T>(Lc),          std::vector<T>(P),
                 std::vector<T>(N),           std::vector<T>(P)};
  if (C.Up.DFinal.Ssm)
    std::copy_n(C.Up.DFinal.Ssm + BH * PN, PN, W.SBar.begin());
  for (int64_t J = NC - 1; J >= 0; --J) {
    int64_t C0 = J * Lc, C1 = std::min(L, C0 + Lc);
    mamba3ChunkCumsum(C.Prep, C0, C1, Cs);
    std::fill(W.Dcs.begin(), W.Dcs.end(), T(0));
    chunkGate(C, C0, C1, Cs, &States[J * PN], W, HG);
    chunkIntra(C, C0, C1, Cs, W, HG);
    chunkInter(C, C0, C1, Cs, &States[J * PN], W, HG);
  }
  if (C.Up.DFinal.V)
    for (int64_t I = 0; I < P; ++I)
      W.DX[(L - 1) * P + I] += C.Up.DFinal.V[BH * P + I];
  if (C.G.DV)
    for (int64_t T0 = 0; T0 < L; ++T0)
      std::copy_n(&W.DX[T0 * P], P, C.G.DV + Ix.v(C.Bi, T0, C.Hd));
  convertChunkGrads(C, W, HG);
}

} // namespace

template <typename T>
void mamba3CoreBackwardChunked(const Mamba3CoreDims &Dims,
                               const Mamba3CoreArgs<T> &Args,
                               const Mamba3CoreUpstream<T> &Up,
                               const Mamba3CoreGrads<T> &Grads,
                               int64_t ChunkSize) {
  assert(Up.DOut && "backward needs the output gradient");
  assert(ChunkSize >= 1 && "chunk size must be positive");
  assert(Dims.Heads % Dims.HeadsQK == 0 &&
         "heads must be a multiple of qk heads");
  Mamba3Index Ix(Dims);
  Mamba3BwdScratch<T> Scr(Ix);
  const int64_t BH = Ix.B * Ix.H;
  const bool Par = parallelWorth(Mamba3Index(Dims));
#pragma omp parallel for schedule(dynamic) if (Par)
  for (int64_t I = 0; I < BH; ++I) {
    int64_t Bi = I / Ix.H, Hd = I % Ix.H;
    Mamba3HeadPrep<T> Prep;
    prepareMamba3Head(Dims, Args, Bi, Hd, Prep);
    Mamba3HeadGrad<T> HG;
    HG.reset(Ix);
    ChunkCtx<T> C{Dims, Ix, Args, Up, Grads, Prep, Bi, Hd};
    chunkedHead(C, std::min(ChunkSize, Ix.L), HG);
    finishMamba3HeadGrad(Dims, Args, Up, Grads, Bi, Hd, Prep, HG, Scr);
  }
  reduceMamba3Grads(Dims, Grads, Scr);
}

template void mamba3CoreBackwardChunked<float>(
    const Mamba3CoreDims &, const Mamba3CoreArgs<float> &,
    const Mamba3CoreUpstream<float> &, const Mamba3CoreGrads<float> &, int64_t);
template void
mamba3CoreBackwardChunked<double>(const Mamba3CoreDims &,
                                  const Mamba3CoreArgs<double> &,
                                  const Mamba3CoreUpstream<double> &,
                                  const Mamba3CoreGrads<double> &, int64_t);

} // namespace cpu
} // namespace hybc
