//===- runtime/cpu/Mamba3CorePrep.cpp - Mamba-3 core pre/post passes ------===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// The per-(batch, head) pre-pass of the Mamba-3 core (trapezoid
/// coefficients, cumulative angles, rotated q/k; docs/mamba3.md §1.3-1.4)
/// and the shared backward tail (§3.4 steps 2-4: un-rotation, angle
/// reverse-cumsum, head and batch reductions).
///
/// Example:
/// \code
///   Mamba3HeadPrep<double> Prep;
///   prepareMamba3Head(Dims, Args, /*Bi=*/0, /*Hd=*/1, Prep);
/// \endcode
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3CoreDetail.h"

#include <algorithm>

namespace hybc {
namespace cpu {
namespace mamba3 {

namespace {

/// Rotates adjacent pairs (2i, 2i+1), i < S, of \p In by the angles whose
/// cos/sin are given; the other elements are copied.
template <typename T>
void rotatePairs(const T *In, const T *Cos, const T *Sin, int64_t S, int64_t N,
                 T *Out) {
  for (int64_t I = 0; I < S; ++I) {
    T A = In[2 * I], B = In[2 * I + 1];
    Out[2 * I] = A * Cos[I] - B * Sin[I];
    Out[2 * I + 1] = A * Sin[I] + B * Cos[I];
  }
  for (int64_t J = 2 * S; J < N; ++J)
    Out[J] = In[J];
}

/// Inverse of rotatePairs (rotation by −φ), used on gradients.
template <typename T>
void unrotatePairs(const T *In, const T *Cos, const T *Sin, int64_t S,
                   int64_t N, T *Out) {
  for (int64_t I = 0; I < S; ++I) {
    T A = In[2 * I], B = In[2 * I + 1];
    Out[2 * I] = A * Cos[I] + B * Sin[I];
    Out[2 * I + 1] = -A * Sin[I] + B * Cos[I];
  }
  for (int64_t J = 2 * S; J < N; ++J)
    Out[J] = In[J];
}

/// Scalar coefficients λ, Δ, α, β, γ, σ, a of one task.
template <typename T>
void prepareScalars(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                    int64_t Bi, int64_t Hd, Mamba3HeadPrep<T> &Prep) {
  const int64_t L = Ix.L;
  for (auto *V : {&Prep.Lambda, &Prep.Delta, &Prep.Alpha, &Prep.Beta,
                  &Prep.Gamma, &Prep.Sigma, &Prep.LogA})
    V->resize(L);
  for (int64_t T0 = 0; T0 < L; ++T0) {
    int64_t E = Ix.bht(Bi, Hd, T0);
    T Lam = sigmoid(A.Trap[E]), Dt = A.DT[E], Al = std::exp(A.ADT[E]);
    Prep.Lambda[T0] = Lam;
    Prep.Delta[T0] = Dt;
    Prep.LogA[T0] = A.ADT[E];
    Prep.Alpha[T0] = Al;
    Prep.Beta[T0] = (T(1) - Lam) * Dt * Al;
    Prep.Gamma[T0] = Lam * Dt;
  }
  for (int64_t T0 = 0; T0 < L; ++T0) {
    T Next =
        T0 + 1 < L ? (T(1) - Prep.Lambda[T0 + 1]) * Prep.Delta[T0 + 1] : T(0);
    Prep.Sigma[T0] = Prep.Gamma[T0] + Next;
  }
}

/// Cumulative wrapped angles φ, their cos/sin and ω = π·tanh(θ).
template <typename T>
void prepareAngles(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                   int64_t Bi, int64_t Hd, Mamba3HeadPrep<T> &Prep) {
  const int64_t L = Ix.L, S = Ix.S;
  for (auto *V : {&Prep.Phi, &Prep.Cos, &Prep.Sin, &Prep.Omega})
    V->resize(L * S);
  std::vector<T> Phi(S, T(0));
  if (A.Init.present())
    std::copy_n(A.Init.Angle + Ix.bh(Bi, Hd) * S, S, Phi.begin());
  for (int64_t T0 = 0; T0 < L; ++T0) {
    const T *Theta = A.Angles + Ix.ang(Bi, T0, Hd);
    T Dt = Prep.Delta[T0];
    for (int64_t I = 0; I < S; ++I) {
      T Om = T(kPi) * std::tanh(Theta[I]);
      Phi[I] = wrapTwoPi(Phi[I] + Om * Dt);
      int64_t E = T0 * S + I;
      Prep.Omega[E] = Om;
      Prep.Phi[E] = Phi[I];
      Prep.Cos[E] = std::cos(Phi[I]);
      Prep.Sin[E] = std::sin(Phi[I]);
    }
  }
}

} // namespace

template <typename T>
void prepareMamba3Head(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                       int64_t Bi, int64_t Hd, Mamba3HeadPrep<T> &Prep) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, N = Ix.N, S = Ix.S;
  prepareScalars(Ix, A, Bi, Hd, Prep);
  prepareAngles(Ix, A, Bi, Hd, Prep);
  Prep.Qr.resize(L * N);
  Prep.Kr.resize(L * N);
  std::vector<T> Row(N);
  for (int64_t T0 = 0; T0 < L; ++T0) {
    const T *Cs = Prep.Cos.data() + T0 * S, *Sn = Prep.Sin.data() + T0 * S;
    const T *Q = A.Q + Ix.qk(Bi, T0, Hd), *K = A.K + Ix.qk(Bi, T0, Hd);
    for (int64_t J = 0; J < N; ++J)
      Row[J] = Q[J] + A.QBias[Hd * N + J];
    rotatePairs(Row.data(), Cs, Sn, S, N, &Prep.Qr[T0 * N]);
    for (int64_t J = 0; J < N; ++J)
      Row[J] = K[J] + A.KBias[Hd * N + J];
    rotatePairs(Row.data(), Cs, Sn, S, N, &Prep.Kr[T0 * N]);
  }
  Prep.InitK.assign(N, T(0));
  Prep.InitV.assign(Ix.P, T(0));
  if (A.Init.present()) {
    std::copy_n(A.Init.K + Ix.bh(Bi, Hd) * N, N, Prep.InitK.begin());
    std::copy_n(A.Init.V + Ix.bh(Bi, Hd) * Ix.P, Ix.P, Prep.InitV.begin());
  }
}

template <typename T>
void loadMamba3InitSsm(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                       int64_t Bi, int64_t Hd, std::vector<T> &H0) {
  Mamba3Index Ix(Dims);
  const int64_t PN = Ix.P * Ix.N;
  H0.assign(PN, T(0));
  if (A.Init.present())
    std::copy_n(A.Init.Ssm + Ix.bh(Bi, Hd) * PN, PN, H0.begin());
}

template <typename T>
void storeMamba3Final(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                      const Mamba3HeadPrep<T> &Prep, int64_t Bi, int64_t Hd,
                      const Mamba3State<T> &Final) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, BH = Ix.bh(Bi, Hd);
  if (Final.Angle)
    std::copy_n(Prep.Phi.data() + (L - 1) * Ix.S, Ix.S,
                Final.Angle + BH * Ix.S);
  if (Final.K)
    std::copy_n(&Prep.Kr[(L - 1) * Ix.N], Ix.N, Final.K + BH * Ix.N);
  if (Final.V)
    std::copy_n(A.V + Ix.v(Bi, L - 1, Hd), Ix.P, Final.V + BH * Ix.P);
}

namespace {

/// Angle part of the backward tail for token \p T0: accumulates φ̄ into the
/// running reverse sum \p PhiBar and returns Σ_i Φ̄_i·ω_i (a dΔ term);
/// writes the per-head dθ row.
template <typename T>
T angleBackwardStep(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                    const Mamba3HeadPrep<T> &Prep, const Mamba3HeadGrad<T> &HG,
                    int64_t Bi, int64_t Hd, int64_t T0, std::vector<T> &PhiBar,
                    T *DTheta) {
  const int64_t N = Ix.N, S = Ix.S;
  const T *Qr = &Prep.Qr[T0 * N], *Kr = &Prep.Kr[T0 * N];
  const T *Dq = &HG.DQr[T0 * N], *Dk = &HG.DKr[T0 * N];
  const T *Theta = A.Angles + Ix.ang(Bi, T0, Hd);
  T DDelta = 0;
  for (int64_t I = 0; I < S; ++I) {
    int64_t J0 = 2 * I, J1 = 2 * I + 1;
    PhiBar[I] +=
        Dq[J1] * Qr[J0] - Dq[J0] * Qr[J1] + Dk[J1] * Kr[J0] - Dk[J0] * Kr[J1];
    DDelta += PhiBar[I] * Prep.Omega[T0 * S + I];
    T Th = std::tanh(Theta[I]);
    DTheta[I] = PhiBar[I] * Prep.Delta[T0] * T(kPi) * (T(1) - Th * Th);
  }
  return DDelta;
}

} // namespace

template <typename T>
void finishMamba3HeadGrad(const Mamba3CoreDims &Dims,
                          const Mamba3CoreArgs<T> &A,
                          const Mamba3CoreUpstream<T> &Up,
                          const Mamba3CoreGrads<T> &G, int64_t Bi, int64_t Hd,
                          const Mamba3HeadPrep<T> &Prep, Mamba3HeadGrad<T> &HG,
                          Mamba3BwdScratch<T> &Scr) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, N = Ix.N, S = Ix.S, BH = Ix.bh(Bi, Hd);
  if (Up.DFinal.K)
    for (int64_t J = 0; J < N; ++J)
      HG.DKr[(L - 1) * N + J] += Up.DFinal.K[BH * N + J];
  std::vector<T> PhiBar(S, T(0));
  if (Up.DFinal.Angle)
    std::copy_n(Up.DFinal.Angle + BH * S, S, PhiBar.begin());
  T *DqBias = &Scr.DqBiasHead[BH * N], *DkBias = &Scr.DkBiasHead[BH * N];
  std::fill_n(DqBias, N, T(0));
  std::fill_n(DkBias, N, T(0));
  for (int64_t T0 = L - 1; T0 >= 0; --T0) {
    T *DTheta = Scr.DThetaHead.data() + (BH * L + T0) * S;
    T DDelta = HG.DDelta[T0] +
               angleBackwardStep(Ix, A, Prep, HG, Bi, Hd, T0, PhiBar, DTheta);
    const T *Cs = Prep.Cos.data() + T0 * S, *Sn = Prep.Sin.data() + T0 * S;
    T *Dq = &Scr.DqHead[(BH * L + T0) * N],
      *Dk = &Scr.DkHead[(BH * L + T0) * N];
    unrotatePairs(&HG.DQr[T0 * N], Cs, Sn, S, N, Dq);
    unrotatePairs(&HG.DKr[T0 * N], Cs, Sn, S, N, Dk);
    for (int64_t J = 0; J < N; ++J) {
      DqBias[J] += Dq[J];
      DkBias[J] += Dk[J];
    }
    int64_t E = Ix.bht(Bi, Hd, T0);
    T Lam = Prep.Lambda[T0];
    if (G.DDT)
      G.DDT[E] = DDelta;
    if (G.DTrap)
      G.DTrap[E] = HG.DLambda[T0] * Lam * (T(1) - Lam);
    if (G.DADT)
      G.DADT[E] = HG.DA[T0];
  }
  Scr.DDHead[BH] = HG.DD;
  if (!A.Init.present())
    return;
  if (G.DInit.Angle)
    std::copy_n(PhiBar.begin(), S, G.DInit.Angle + BH * S);
  if (G.DInit.K)
    std::copy_n(HG.DInitK.begin(), N, G.DInit.K + BH * N);
}

template <typename T>
void reduceMamba3Grads(const Mamba3CoreDims &Dims, const Mamba3CoreGrads<T> &G,
                       const Mamba3BwdScratch<T> &Scr) {
  Mamba3Index Ix(Dims);
  const int64_t B = Ix.B, L = Ix.L, H = Ix.H, N = Ix.N, S = Ix.S;
  const int64_t PerGroup = H / Ix.Hqk;
  const bool Par = parallelWorth(Ix);
#pragma omp parallel for if (Par)
  for (int64_t BT = 0; BT < B * L; ++BT) {
    int64_t Bi = BT / L, T0 = BT % L;
    for (int64_t Hd = 0; Hd < H; ++Hd) {
      bool First = Hd % PerGroup == 0;
      const int64_t Src = (Ix.bh(Bi, Hd) * L + T0) * N;
      const int64_t Dst = Ix.qk(Bi, T0, Hd);
      for (int64_t J = 0; J < N; ++J) {
        if (G.DQ)
          G.DQ[Dst + J] = (First ? T(0) : G.DQ[Dst + J]) + Scr.DqHead[Src + J];
        if (G.DK)
          G.DK[Dst + J] = (First ? T(0) : G.DK[Dst + J]) + Scr.DkHead[Src + J];
      }
      if (!G.DAngles)
        continue;
      const T *Th = Scr.DThetaHead.data() + (Ix.bh(Bi, Hd) * L + T0) * S;
      T *Out = G.DAngles + Ix.ang(Bi, T0, Hd);
      bool Fresh = Ix.AH != 1 || Hd == 0;
      for (int64_t I = 0; I < S; ++I)
        Out[I] = (Fresh ? T(0) : Out[I]) + Th[I];
    }
  }
  for (int64_t Hd = 0; Hd < H; ++Hd) {
    for (int64_t J = 0; J < N; ++J) {
      T Sq = 0, Sk = 0;
      for (int64_t Bi = 0; Bi < B; ++Bi) {
        Sq += Scr.DqBiasHead[Ix.bh(Bi, Hd) * N + J];
        Sk += Scr.DkBiasHead[Ix.bh(Bi, Hd) * N + J];
      }
      if (G.DQBias)
        G.DQBias[Hd * N + J] = Sq;
      if (G.DKBias)
        G.DKBias[Hd * N + J] = Sk;
    }
    T Sd = 0;
    for (int64_t Bi = 0; Bi < B; ++Bi)
      Sd += Scr.DDHead[Ix.bh(Bi, Hd)];
    if (G.DD)
      G.DD[Hd] = Sd;
  }
}

template <typename T>
void gateBackwardRow(const T *DOut, const T *Z, const T *Y, int64_t P, T *DyOut,
                     T *DzOut) {
  for (int64_t I = 0; I < P; ++I) {
    if (!Z) {
      DyOut[I] = DOut[I];
      continue;
    }
    DyOut[I] = DOut[I] * silu(Z[I]);
    if (DzOut)
      DzOut[I] = DOut[I] * Y[I] * siluGrad(Z[I]);
  }
}

#define HYBC_MAMBA3_PREP_INST(T)                                               \
  template void prepareMamba3Head<T>(const Mamba3CoreDims &,                   \
                                     const Mamba3CoreArgs<T> &, int64_t,       \
                                     int64_t, Mamba3HeadPrep<T> &);            \
  template void loadMamba3InitSsm<T>(const Mamba3CoreDims &,                   \
                                     const Mamba3CoreArgs<T> &, int64_t,       \
                                     int64_t, std::vector<T> &);               \
  template void storeMamba3Final<T>(                                           \
      const Mamba3CoreDims &, const Mamba3CoreArgs<T> &,                       \
      const Mamba3HeadPrep<T> &, int64_t, int64_t, const Mamba3State<T> &);    \
  template void finishMamba3HeadGrad<T>(                                       \
      const Mamba3CoreDims &, const Mamba3CoreArgs<T> &,                       \
      const Mamba3CoreUpstream<T> &, const Mamba3CoreGrads<T> &, int64_t,      \
      int64_t, const Mamba3HeadPrep<T> &, Mamba3HeadGrad<T> &,                 \
      Mamba3BwdScratch<T> &);                                                  \
  template void reduceMamba3Grads<T>(const Mamba3CoreDims &,                   \
                                     const Mamba3CoreGrads<T> &,               \
                                     const Mamba3BwdScratch<T> &);             \
  template void gateBackwardRow<T>(const T *, const T *, const T *, int64_t,   \
                                   T *, T *);

HYBC_MAMBA3_PREP_INST(float)
HYBC_MAMBA3_PREP_INST(double)

} // namespace mamba3
} // namespace cpu
} // namespace hybc
