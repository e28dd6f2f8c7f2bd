//===- runtime/cpu/Mamba3CoreBackward.cpp - Mamba-3 core BPTT backward ----===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Exact backward of the Mamba-3 SISO core by back-propagation through time
/// (docs/mamba3.md §4.2). Each (batch, head) task recomputes its forward
/// states segment by segment from sqrt(L)-spaced checkpoints, walks the
/// tokens in reverse carrying G = dLoss/dH_t, and hands the rotated-space
/// gradients to the shared backward tail (un-rotation, angles, reductions).
///
/// Example:
/// \code
///   Mamba3CoreUpstream<double> Up{DOut, {}};
///   Mamba3CoreGrads<double> G; G.DQ = DQ; G.DV = DV; ...
///   mamba3CoreBackward(Dims, Args, Up, G);
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

/// Mutable state of one reverse sweep.
template <typename T> struct BpttState {
  std::vector<T> G;              ///< P×N dLoss/dH_t
  std::vector<T> PendDx, PendDk; ///< P, N: gradients of x_{t−1}, k̃_{t−1}
  std::vector<T> NewDx, NewDk;   ///< next pending values
  std::vector<T> Dy, Y, Dx;      ///< P scratch rows
};

/// One forward step H ← α·H + β·x_{t−1}k̃_{t−1}ᵀ + γ·x_t k̃_tᵀ.
template <typename T>
void forwardStep(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                 const Mamba3HeadPrep<T> &Prep, int64_t Bi, int64_t Hd,
                 int64_t T0, T *Hs) {
  const int64_t P = Ix.P, N = Ix.N;
  const T *X = A.V + Ix.v(Bi, T0, Hd), *Kr = &Prep.Kr[T0 * N];
  const T *XPrev = T0 ? A.V + Ix.v(Bi, T0 - 1, Hd) : Prep.InitV.data();
  const T *KPrev = T0 ? &Prep.Kr[(T0 - 1) * N] : Prep.InitK.data();
  T Al = Prep.Alpha[T0], Be = Prep.Beta[T0], Ga = Prep.Gamma[T0];
  for (int64_t I = 0; I < P; ++I) {
    T Bx = Be * XPrev[I], Gx = Ga * X[I];
    for (int64_t J = 0; J < N; ++J)
      Hs[I * N + J] = Al * Hs[I * N + J] + Bx * KPrev[J] + Gx * Kr[J];
  }
}

/// Gate backward of token \p T0 (recomputing y = H_t q̃_t + D·x_t when the
/// gate needs it); leaves ȳ in St.Dy and adds ȳ·x to the D gradient.
template <typename T>
void gateStep(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
              const Mamba3CoreUpstream<T> &Up, const Mamba3CoreGrads<T> &G,
              const Mamba3HeadPrep<T> &Prep, int64_t Bi, int64_t Hd, int64_t T0,
              const T *Hcur, BpttState<T> &St, Mamba3HeadGrad<T> &HG) {
  const int64_t P = Ix.P, N = Ix.N, Row = Ix.v(Bi, T0, Hd);
  const T *X = A.V + Row, *Qr = &Prep.Qr[T0 * N];
  const T Dh = A.D ? A.D[Hd] : T(0);
  if (A.Z) {
    for (int64_t I = 0; I < P; ++I) {
      T Acc = Dh * X[I];
#pragma omp simd reduction(+ : Acc)
      for (int64_t J = 0; J < N; ++J)
        Acc += Hcur[I * N + J] * Qr[J];
      St.Y[I] = Acc;
    }
  }
  gateBackwardRow(Up.DOut + Row, A.Z ? A.Z + Row : nullptr, St.Y.data(), P,
                  St.Dy.data(), G.DZ ? G.DZ + Row : nullptr);
  for (int64_t I = 0; I < P; ++I)
    HG.DD += St.Dy[I] * X[I];
}

/// Reverse step of token \p T0 given H_t (\p Hcur) and H_{t−1} (\p Hprev).
template <typename T>
void reverseStep(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                 const Mamba3CoreUpstream<T> &Up, const Mamba3CoreGrads<T> &G,
                 const Mamba3HeadPrep<T> &Prep, int64_t Bi, int64_t Hd,
                 int64_t T0, const T *Hcur, const T *Hprev, BpttState<T> &St,
                 Mamba3HeadGrad<T> &HG) {
  const int64_t P = Ix.P, N = Ix.N;
  gateStep(Ix, A, Up, G, Prep, Bi, Hd, T0, Hcur, St, HG);
  const T *X = A.V + Ix.v(Bi, T0, Hd), *Qr = &Prep.Qr[T0 * N];
  const T *Kr = &Prep.Kr[T0 * N];
  const T *XPrev = T0 ? A.V + Ix.v(Bi, T0 - 1, Hd) : Prep.InitV.data();
  const T *KPrev = T0 ? &Prep.Kr[(T0 - 1) * N] : Prep.InitK.data();
  const T Al = Prep.Alpha[T0], Be = Prep.Beta[T0], Ga = Prep.Gamma[T0];
  const T Dh = A.D ? A.D[Hd] : T(0);
  T *DQr = &HG.DQr[T0 * N], *DKr = &HG.DKr[T0 * N];
  std::copy(St.PendDk.begin(), St.PendDk.end(), DKr);
  std::fill(St.NewDk.begin(), St.NewDk.end(), T(0));
  T ABar = 0, BBar = 0, GBar = 0;
  for (int64_t I = 0; I < P; ++I) {
    T *Gr = &St.G[I * N];
    const T *Hc = &Hcur[I * N], *Hp = &Hprev[I * N];
    T Dy = St.Dy[I], Gx = Ga * X[I], Bx = Be * XPrev[I], Gk = 0, Gkp = 0;
#pragma omp simd reduction(+ : Gk, Gkp, ABar)
    for (int64_t J = 0; J < N; ++J) {
      T Gv = Gr[J] += Dy * Qr[J];
      DQr[J] += Hc[J] * Dy;
      Gk += Gv * Kr[J];
      Gkp += Gv * KPrev[J];
      DKr[J] += Gx * Gv;
      St.NewDk[J] += Bx * Gv;
      ABar += Gv * Hp[J];
      Gr[J] = Al * Gv;
    }
    St.Dx[I] = Dh * Dy + Ga * Gk + St.PendDx[I];
    GBar += X[I] * Gk;
    BBar += XPrev[I] * Gkp;
    St.NewDx[I] = Be * Gkp;
  }
  if (G.DV)
    std::copy(St.Dx.begin(), St.Dx.end(), G.DV + Ix.v(Bi, T0, Hd));
  std::swap(St.PendDx, St.NewDx);
  std::swap(St.PendDk, St.NewDk);
  const T Lam = Prep.Lambda[T0], Dt = Prep.Delta[T0];
  HG.DA[T0] = ABar * Al + BBar * Be;
  HG.DDelta[T0] = BBar * (T(1) - Lam) * Al + GBar * Lam;
  HG.DLambda[T0] = -BBar * Dt * Al + GBar * Dt;
}

/// Full reverse sweep of one task with checkpointed recomputation.
template <typename T>
void bpttHead(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
              const Mamba3CoreUpstream<T> &Up, const Mamba3CoreGrads<T> &G,
              int64_t Bi, int64_t Hd, const Mamba3HeadPrep<T> &Prep,
              Mamba3HeadGrad<T> &HG) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, P = Ix.P, N = Ix.N, PN = P * N, BH = Ix.bh(Bi, Hd);
  const int64_t Seg = std::max<int64_t>(1, (int64_t)std::ceil(std::sqrt(L)));
  const int64_t NSeg = (L + Seg - 1) / Seg;
  std::vector<T> H0, Ckpt(NSeg * PN), SegH(Seg * PN);
  loadMamba3InitSsm(Dims, A, Bi, Hd, H0);
  std::copy(H0.begin(), H0.end(), Ckpt.begin());
  for (int64_t T0 = 0; T0 + 1 < L; ++T0) {
    forwardStep(Ix, A, Prep, Bi, Hd, T0, H0.data());
    if ((T0 + 1) % Seg == 0)
      std::copy(H0.begin(), H0.end(), &Ckpt[(T0 + 1) / Seg * PN]);
  }
  BpttState<T> St{std::vector<T>(PN, T(0)), std::vector<T>(P, T(0)),
                  std::vector<T>(N, T(0)),  std::vector<T>(P),
                  std::vector<T>(N),        std::vector<T>(P),
                  std::vector<T>(P),        std::vector<T>(P)};
  if (Up.DFinal.Ssm)
    std::copy_n(Up.DFinal.Ssm + BH * PN, PN, St.G.begin());
  if (Up.DFinal.V)
    std::copy_n(Up.DFinal.V + BH * P, P, St.PendDx.begin());
  for (int64_t Sg = NSeg - 1; Sg >= 0; --Sg) {
    const int64_t T0 = Sg * Seg, T1 = std::min(L, T0 + Seg);
    const T *Start = &Ckpt[Sg * PN];
    std::copy(Start, Start + PN, SegH.begin());
    for (int64_t Tk = T0; Tk < T1; ++Tk) {
      if (Tk > T0)
        std::copy_n(&SegH[(Tk - T0 - 1) * PN], PN, &SegH[(Tk - T0) * PN]);
      forwardStep(Ix, A, Prep, Bi, Hd, Tk, &SegH[(Tk - T0) * PN]);
    }
    for (int64_t Tk = T1 - 1; Tk >= T0; --Tk)
      reverseStep(Ix, A, Up, G, Prep, Bi, Hd, Tk, &SegH[(Tk - T0) * PN],
                  Tk > T0 ? &SegH[(Tk - T0 - 1) * PN] : Start, St, HG);
  }
  std::copy(St.PendDk.begin(), St.PendDk.end(), HG.DInitK.begin());
  if (!A.Init.present())
    return;
  if (G.DInit.Ssm)
    std::copy(St.G.begin(), St.G.end(), G.DInit.Ssm + BH * PN);
  if (G.DInit.V)
    std::copy(St.PendDx.begin(), St.PendDx.end(), G.DInit.V + BH * P);
}

} // namespace

template <typename T>
void mamba3CoreBackward(const Mamba3CoreDims &Dims,
                        const Mamba3CoreArgs<T> &Args,
                        const Mamba3CoreUpstream<T> &Up,
                        const Mamba3CoreGrads<T> &Grads) {
  assert(Up.DOut && "backward needs the output gradient");
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
    bpttHead(Dims, Args, Up, Grads, Bi, Hd, Prep, HG);
    finishMamba3HeadGrad(Dims, Args, Up, Grads, Bi, Hd, Prep, HG, Scr);
  }
  reduceMamba3Grads(Dims, Grads, Scr);
}

template void mamba3CoreBackward<float>(const Mamba3CoreDims &,
                                        const Mamba3CoreArgs<float> &,
                                        const Mamba3CoreUpstream<float> &,
                                        const Mamba3CoreGrads<float> &);
template void mamba3CoreBackward<double>(const Mamba3CoreDims &,
                                         const Mamba3CoreArgs<double> &,
                                         const Mamba3CoreUpstream<double> &,
                                         const Mamba3CoreGrads<double> &);

} // namespace cpu
} // namespace hybc
