//===- runtime/cpu/Mamba3Layer.cpp - Mamba-3 SISO layer forward -----------===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Forward of the Mamba-3 SISO layer between in_proj and out_proj
/// (docs/mamba3.md §1.2-1.4): split of w, Δ/A/ADT, B/C RMSNorm, the core
/// (sequential or chunked), and the optional per-head gated output norm;
/// plus the official dt_bias initialisation.
///
/// Example:
/// \code
///   Mamba3LayerSaved<double> Saved;
///   mamba3LayerForward(Dims, W, Params, {}, O, {}, Saved);
/// \endcode
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3Layer.h"
#include "runtime/cpu/Mamba3CoreDetail.h"

#include <cassert>
#include <cmath>

namespace hybc {
namespace cpu {

using namespace mamba3;

namespace {

/// y = x / rms(x) ⊙ w over \p N elements; returns 1/rms.
template <typename T>
T rmsNormRow(const T *X, const T *Wt, int64_t N, double Eps, T *Y) {
  T Sq = 0;
  for (int64_t I = 0; I < N; ++I)
    Sq += X[I] * X[I];
  T R = T(1) / std::sqrt(Sq / T(N) + T(Eps));
  for (int64_t I = 0; I < N; ++I)
    Y[I] = X[I] * R * Wt[I];
  return R;
}

/// Splits and pre-processes the w row of token (\p Bi, \p T0).
template <typename T>
void preprocessToken(const Mamba3Dims &Dm, const T *W,
                     const Mamba3LayerParams<T> &Pm, int64_t Bi, int64_t T0,
                     Mamba3LayerSaved<T> &Sv) {
  const int64_t L = Dm.SeqLen, H = Dm.Heads, N = Dm.StateDim;
  const int64_t G = Dm.Groups, DI = Dm.innerDim(), BT = Bi * L + T0;
  const T *Row = W + BT * Dm.projDim();
  for (int64_t I = 0; I < DI; ++I) {
    Sv.Z[BT * DI + I] = Row[I];
    Sv.V[BT * DI + I] = Row[Dm.offX() + I];
  }
  for (int64_t Gi = 0; Gi < G; ++Gi) {
    const int64_t E = BT * G + Gi;
    Sv.RstdB[E] = rmsNormRow(Row + Dm.offB() + Gi * N, Pm.BNormW, N, Dm.NormEps,
                             &Sv.K[E * N]);
    Sv.RstdC[E] = rmsNormRow(Row + Dm.offC() + Gi * N, Pm.CNormW, N, Dm.NormEps,
                             &Sv.Q[E * N]);
  }
  const bool Heavy = Dm.AAct == Mamba3AAct::HeavyTail;
  for (int64_t Hd = 0; Hd < H; ++Hd) {
    const int64_t E = (Bi * H + Hd) * L + T0;
    T Dt = softplus(Row[Dm.offDt() + Hd] + Pm.DtBias[Hd]);
    T A = std::min(-decayAct(Row[Dm.offA() + Hd], Heavy), T(-Dm.AFloor));
    Sv.DT[E] = Dt;
    Sv.A[E] = A;
    Sv.ADT[E] = A * Dt;
    Sv.Trap[E] = Row[Dm.offTrap() + Hd];
  }
  for (int64_t I = 0; I < Dm.NumAngles; ++I)
    Sv.Angles[BT * Dm.NumAngles + I] = Row[Dm.offAngles() + I];
}

/// Sizes every saved buffer for \p Dm.
template <typename T>
void resizeSaved(const Mamba3Dims &Dm, Mamba3LayerSaved<T> &Sv) {
  const int64_t BL = Dm.Batch * Dm.SeqLen, G = Dm.Groups, N = Dm.StateDim;
  const int64_t BHL = BL * Dm.Heads;
  Sv.Q.resize(BL * G * N);
  Sv.K.resize(BL * G * N);
  Sv.RstdB.resize(BL * G);
  Sv.RstdC.resize(BL * G);
  Sv.V.resize(BL * Dm.innerDim());
  Sv.Z.resize(BL * Dm.innerDim());
  for (auto *V : {&Sv.ADT, &Sv.DT, &Sv.Trap, &Sv.A})
    V->resize(BHL);
  Sv.Angles.resize(BL * Dm.NumAngles);
  Sv.Y.resize(Dm.OutProjNorm ? BL * Dm.innerDim() : 0);
  Sv.RstdY.resize(Dm.OutProjNorm ? BHL : 0);
}

/// o = y / rms_P(y) ⊙ w_o ⊙ silu(z) per (token, head).
template <typename T>
void gatedNormForward(const Mamba3Dims &Dm, const Mamba3LayerParams<T> &Pm,
                      Mamba3LayerSaved<T> &Sv, T *O) {
  const int64_t P = Dm.HeadDim, Rows = Dm.Batch * Dm.SeqLen * Dm.Heads;
  const bool Par = parallelWorth(Mamba3Index(Dm.coreDims()));
#pragma omp parallel for if (Par)
  for (int64_t R = 0; R < Rows; ++R) {
    const int64_t Hd = R % Dm.Heads;
    T *Out = O + R * P;
    Sv.RstdY[R] =
        rmsNormRow(&Sv.Y[R * P], Pm.OutNormW + Hd * P, P, Dm.OutNormEps, Out);
    for (int64_t I = 0; I < P; ++I)
      Out[I] *= silu(Sv.Z[R * P + I]);
  }
}

} // namespace

template <typename T>
Mamba3CoreArgs<T> mamba3LayerCoreArgs(const Mamba3Dims &Dims,
                                      const Mamba3LayerParams<T> &Params,
                                      const Mamba3LayerSaved<T> &Saved,
                                      const Mamba3State<const T> &Init) {
  Mamba3CoreArgs<T> A;
  A.Q = Saved.Q.data();
  A.K = Saved.K.data();
  A.V = Saved.V.data();
  A.ADT = Saved.ADT.data();
  A.DT = Saved.DT.data();
  A.Trap = Saved.Trap.data();
  A.QBias = Params.CBias;
  A.KBias = Params.BBias;
  A.Angles = Saved.Angles.data();
  A.D = Params.D;
  A.Z = Dims.OutProjNorm ? nullptr : Saved.Z.data();
  A.Init = Init;
  return A;
}

template <typename T>
void mamba3LayerForward(const Mamba3Dims &Dims, const T *W,
                        const Mamba3LayerParams<T> &Params,
                        const Mamba3State<const T> &Init, T *O,
                        const Mamba3State<T> &Final,
                        Mamba3LayerSaved<T> &Saved) {
  assert(Dims.Heads % Dims.Groups == 0 && "heads must be a multiple of groups");
  assert((!Dims.OutProjNorm || Params.OutNormW) && "output norm needs weights");
  resizeSaved(Dims, Saved);
  const int64_t BL = Dims.Batch * Dims.SeqLen;
  const bool Par = parallelWorth(Mamba3Index(Dims.coreDims()));
#pragma omp parallel for if (Par)
  for (int64_t BT = 0; BT < BL; ++BT)
    preprocessToken(Dims, W, Params, BT / Dims.SeqLen, BT % Dims.SeqLen, Saved);
  Mamba3CoreArgs<T> Args = mamba3LayerCoreArgs(Dims, Params, Saved, Init);
  Mamba3CoreResults<T> Res{Dims.OutProjNorm ? Saved.Y.data() : O, Final};
  if (Dims.ChunkSize > 0)
    mamba3CoreForwardChunked(Dims.coreDims(), Args, Res, Dims.ChunkSize);
  else
    mamba3CoreForward(Dims.coreDims(), Args, Res);
  if (Dims.OutProjNorm)
    gatedNormForward(Dims, Params, Saved, O);
}

template <typename T>
void mamba3InitDtBias(llvm::MutableArrayRef<T> DtBias,
                      llvm::function_ref<double()> Uniform01, double DtMin,
                      double DtMax, double DtFloor) {
  const double Lo = std::log(DtMin), Hi = std::log(DtMax);
  for (T &B : DtBias) {
    double Dt = std::max(std::exp(Lo + (Hi - Lo) * Uniform01()), DtFloor);
    B = T(Dt + std::log(-std::expm1(-Dt)));
  }
}

template <typename T>
void mamba3InitDtBias(llvm::MutableArrayRef<T> DtBias, std::mt19937_64 &Rng,
                      double DtMin, double DtMax, double DtFloor) {
  mamba3InitDtBias<T>(
      DtBias, [&Rng]() { return double(Rng() >> 11) * 0x1.0p-53; }, DtMin,
      DtMax, DtFloor);
}

#define HYBC_MAMBA3_LAYER_FWD_INST(T)                                          \
  template Mamba3CoreArgs<T> mamba3LayerCoreArgs<T>(                           \
      const Mamba3Dims &, const Mamba3LayerParams<T> &,                        \
      const Mamba3LayerSaved<T> &, const Mamba3State<const T> &);              \
  template void mamba3LayerForward<T>(                                         \
      const Mamba3Dims &, const T *, const Mamba3LayerParams<T> &,             \
      const Mamba3State<const T> &, T *, const Mamba3State<T> &,               \
      Mamba3LayerSaved<T> &);                                                  \
  template void mamba3InitDtBias<T>(llvm::MutableArrayRef<T>,                  \
                                    llvm::function_ref<double()>, double,      \
                                    double, double);                           \
  template void mamba3InitDtBias<T>(                                           \
      llvm::MutableArrayRef<T>, std::mt19937_64 &, double, double, double);

HYBC_MAMBA3_LAYER_FWD_INST(float)
HYBC_MAMBA3_LAYER_FWD_INST(double)

} // namespace cpu
} // namespace hybc
