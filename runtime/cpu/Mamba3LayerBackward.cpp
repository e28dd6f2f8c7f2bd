//===- runtime/cpu/Mamba3LayerBackward.cpp - Mamba-3 layer backward -------===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Backward of the Mamba-3 SISO layer (docs/mamba3.md §3.4 step 5): the
/// optional gated output norm, the core backward (BPTT or chunked), then the
/// pointwise chain back to the in_proj output w (softplus, decay activation
/// with its clamp, B/C RMSNorm) and the parameter reductions.
///
/// Example:
/// \code
///   mamba3LayerBackward(Dims, W, Params, {}, Saved, DO, DW, Grads);
/// \endcode
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3CoreDetail.h"
#include "runtime/cpu/Mamba3Layer.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace cpu {

using namespace mamba3;

namespace {

/// Buffers for the core's gradients in core layouts.
template <typename T> struct LayerBwdScratch {
  std::vector<T> DY;     ///< (B,L,H,P) upstream of the core (norm case)
  std::vector<T> DQ, DK; ///< (B,L,G,N) dĈ, dB̂
  std::vector<T> DV, DZ; ///< (B,L,H,P)
  std::vector<T> DADT, DDT, DTrap; ///< (B,H,L)
  std::vector<T> DAngles;          ///< (B,L,S)
};

/// Gated-norm backward per (token, head): writes dY and dZ (into the z slot
/// of DW) and accumulates the norm-weight gradient serially afterwards.
template <typename T>
void gatedNormBackward(const Mamba3Dims &Dm, const Mamba3LayerParams<T> &Pm,
                       const Mamba3LayerSaved<T> &Sv, const T *DO, T *DW,
                       T *DOutNormW, std::vector<T> &DY) {
  const int64_t P = Dm.HeadDim, H = Dm.Heads, Rows = Dm.Batch * Dm.SeqLen * H;
  DY.resize(Rows * P);
  const bool Par = parallelWorth(Mamba3Index(Dm.coreDims()));
#pragma omp parallel for if (Par)
  for (int64_t R = 0; R < Rows; ++R) {
    const int64_t Hd = R % H, BT = R / H;
    const T Rs = Sv.RstdY[R], *Y = &Sv.Y[R * P], *Z = &Sv.Z[R * P];
    const T *Wo = Pm.OutNormW + Hd * P, *Dout = DO + R * P;
    T *Dz = DW + BT * Dm.projDim() + Hd * P;
    T Mean = 0;
    for (int64_t I = 0; I < P; ++I)
      Mean += Dout[I] * Wo[I] * silu(Z[I]) * Y[I] * Rs;
    Mean /= T(P);
    for (int64_t I = 0; I < P; ++I) {
      T Nv = Y[I] * Rs, Dn = Dout[I] * Wo[I] * silu(Z[I]);
      Dz[I] = Dout[I] * Nv * Wo[I] * siluGrad(Z[I]);
      DY[R * P + I] = Rs * (Dn - Nv * Mean);
    }
  }
  if (!DOutNormW)
    return;
  std::fill_n(DOutNormW, Dm.innerDim(), T(0));
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t I = 0; I < P; ++I)
      DOutNormW[(R % H) * P + I] +=
          DO[R * P + I] * Sv.Y[R * P + I] * Sv.RstdY[R] * silu(Sv.Z[R * P + I]);
}

/// RMSNorm backward of one row: dx from dŷ (ŷ = x·r·w).
template <typename T>
void rmsNormBackwardRow(const T *X, const T *Wt, T R, const T *DYh, int64_t N,
                        T *DX) {
  T Acc = 0;
  for (int64_t I = 0; I < N; ++I)
    Acc += DYh[I] * Wt[I] * X[I];
  const T C = R * R * R * Acc / T(N);
  for (int64_t I = 0; I < N; ++I)
    DX[I] = R * DYh[I] * Wt[I] - X[I] * C;
}

/// Fills the DW row of token (\p Bi, \p T0) from the core gradients.
template <typename T>
void postprocessToken(const Mamba3Dims &Dm, const T *W,
                      const Mamba3LayerParams<T> &Pm,
                      const Mamba3LayerSaved<T> &Sv,
                      const LayerBwdScratch<T> &Sc, int64_t Bi, int64_t T0,
                      T *DW) {
  const int64_t L = Dm.SeqLen, H = Dm.Heads, N = Dm.StateDim, G = Dm.Groups;
  const int64_t DI = Dm.innerDim(), BT = Bi * L + T0;
  const T *Row = W + BT * Dm.projDim();
  T *Out = DW + BT * Dm.projDim();
  for (int64_t I = 0; I < DI; ++I) {
    if (!Dm.OutProjNorm)
      Out[I] = Sc.DZ[BT * DI + I];
    Out[Dm.offX() + I] = Sc.DV[BT * DI + I];
  }
  for (int64_t Gi = 0; Gi < G; ++Gi) {
    const int64_t E = BT * G + Gi;
    rmsNormBackwardRow(Row + Dm.offB() + Gi * N, Pm.BNormW, Sv.RstdB[E],
                       &Sc.DK[E * N], N, Out + Dm.offB() + Gi * N);
    rmsNormBackwardRow(Row + Dm.offC() + Gi * N, Pm.CNormW, Sv.RstdC[E],
                       &Sc.DQ[E * N], N, Out + Dm.offC() + Gi * N);
  }
  const bool Heavy = Dm.AAct == Mamba3AAct::HeavyTail;
  for (int64_t Hd = 0; Hd < H; ++Hd) {
    const int64_t E = (Bi * H + Hd) * L + T0;
    const T Xdt = Row[Dm.offDt() + Hd] + Pm.DtBias[Hd];
    const T Xa = Row[Dm.offA() + Hd];
    Out[Dm.offDt() + Hd] =
        (Sc.DDT[E] + Sc.DADT[E] * Sv.A[E]) * softplusGrad(Xdt);
    bool Clamped = decayAct(Xa, Heavy) < T(Dm.AFloor);
    Out[Dm.offA() + Hd] =
        Clamped ? T(0) : -Sc.DADT[E] * Sv.DT[E] * decayActGrad(Xa, Heavy);
    Out[Dm.offTrap() + Hd] = Sc.DTrap[E];
  }
  for (int64_t I = 0; I < Dm.NumAngles; ++I)
    Out[Dm.offAngles() + I] = Sc.DAngles[BT * Dm.NumAngles + I];
}

/// dt_bias and B/C norm-weight gradients (serial, deterministic).
template <typename T>
void reduceLayerParams(const Mamba3Dims &Dm, const T *W,
                       const Mamba3LayerSaved<T> &Sv,
                       const LayerBwdScratch<T> &Sc, const T *DW,
                       const Mamba3LayerParamGrads<T> &Gr) {
  const int64_t BL = Dm.Batch * Dm.SeqLen, N = Dm.StateDim, G = Dm.Groups;
  const int64_t Dp = Dm.projDim();
  if (Gr.DtBias)
    for (int64_t Hd = 0; Hd < Dm.Heads; ++Hd) {
      T S = 0;
      for (int64_t BT = 0; BT < BL; ++BT)
        S += DW[BT * Dp + Dm.offDt() + Hd];
      Gr.DtBias[Hd] = S;
    }
  if (Gr.BNormW)
    std::fill_n(Gr.BNormW, N, T(0));
  if (Gr.CNormW)
    std::fill_n(Gr.CNormW, N, T(0));
  for (int64_t E = 0; E < BL * G; ++E) {
    const int64_t BT = E / G, Gi = E % G;
    const T *Row = W + BT * Dp;
    for (int64_t I = 0; I < N; ++I) {
      if (Gr.BNormW)
        Gr.BNormW[I] +=
            Sc.DK[E * N + I] * Row[Dm.offB() + Gi * N + I] * Sv.RstdB[E];
      if (Gr.CNormW)
        Gr.CNormW[I] +=
            Sc.DQ[E * N + I] * Row[Dm.offC() + Gi * N + I] * Sv.RstdC[E];
    }
  }
}

} // namespace

template <typename T>
void mamba3LayerBackward(const Mamba3Dims &Dims, const T *W,
                         const Mamba3LayerParams<T> &Params,
                         const Mamba3State<const T> &Init,
                         const Mamba3LayerSaved<T> &Saved, const T *DO, T *DW,
                         const Mamba3LayerParamGrads<T> &Grads) {
  const int64_t BL = Dims.Batch * Dims.SeqLen, GN = Dims.Groups * Dims.StateDim;
  const int64_t BHL = BL * Dims.Heads;
  LayerBwdScratch<T> Sc;
  if (Dims.OutProjNorm)
    gatedNormBackward(Dims, Params, Saved, DO, DW, Grads.OutNormW, Sc.DY);
  Sc.DQ.resize(BL * GN);
  Sc.DK.resize(BL * GN);
  Sc.DV.resize(BL * Dims.innerDim());
  Sc.DZ.resize(Dims.OutProjNorm ? 0 : BL * Dims.innerDim());
  for (auto *V : {&Sc.DADT, &Sc.DDT, &Sc.DTrap})
    V->resize(BHL);
  Sc.DAngles.resize(BL * Dims.NumAngles);
  Mamba3CoreGrads<T> CG;
  CG.DQ = Sc.DQ.data(), CG.DK = Sc.DK.data(), CG.DV = Sc.DV.data();
  CG.DADT = Sc.DADT.data(), CG.DDT = Sc.DDT.data(), CG.DTrap = Sc.DTrap.data();
  CG.DQBias = Grads.CBias, CG.DKBias = Grads.BBias;
  CG.DAngles = Sc.DAngles.data(), CG.DD = Grads.D;
  CG.DZ = Dims.OutProjNorm ? nullptr : Sc.DZ.data();
  Mamba3CoreUpstream<T> Up{Dims.OutProjNorm ? Sc.DY.data() : DO, {}};
  Mamba3CoreArgs<T> Args = mamba3LayerCoreArgs(Dims, Params, Saved, Init);
  if (Dims.ChunkSize > 0)
    mamba3CoreBackwardChunked(Dims.coreDims(), Args, Up, CG, Dims.ChunkSize);
  else
    mamba3CoreBackward(Dims.coreDims(), Args, Up, CG);
  const bool Par = parallelWorth(Mamba3Index(Dims.coreDims()));
#pragma omp parallel for if (Par)
  for (int64_t BT = 0; BT < BL; ++BT)
    postprocessToken(Dims, W, Params, Saved, Sc, BT / Dims.SeqLen,
                     BT % Dims.SeqLen, DW);
  reduceLayerParams(Dims, W, Saved, Sc, DW, Grads);
}

template void mamba3LayerBackward<float>(const Mamba3Dims &, const float *,
                                         const Mamba3LayerParams<float> &,
                                         const Mamba3State<const float> &,
                                         const Mamba3LayerSaved<float> &,
                                         const float *, float *,
                                         const Mamba3LayerParamGrads<float> &);
template void mamba3LayerBackward<double>(
    const Mamba3Dims &, const double *, const Mamba3LayerParams<double> &,
    const Mamba3State<const double> &, const Mamba3LayerSaved<double> &,
    const double *, double *, const Mamba3LayerParamGrads<double> &);

} // namespace cpu
} // namespace hybc
