//===- runtime/cpu/Mamba3CoreForward.cpp - Mamba-3 core forward kernels ---===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Forward kernels of the Mamba-3 SISO core: the sequential recurrence of
/// docs/mamba3.md §4.1 and the chunked (SSD) evaluation of §3.2. Both run
/// one OpenMP task per (batch, head).
///
/// Example:
/// \code
///   mamba3CoreForwardChunked(Dims, Args, Mamba3CoreResults<float>{Out, {}},
///                            /*ChunkSize=*/64);
/// \endcode
///
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Mamba3Core.h"
#include "runtime/cpu/Mamba3CoreDetail.h"

#include <algorithm>
#include <cassert>

namespace hybc {
namespace cpu {

using namespace mamba3;

namespace {

/// Out row = (y + D·x) ⊙ silu(z) (no gate when Z is null).
template <typename T>
void emitOutRow(const T *Y, const T *X, T Dh, const T *Z, int64_t P, T *Out) {
  for (int64_t I = 0; I < P; ++I) {
    T V = Y[I] + Dh * X[I];
    Out[I] = Z ? V * silu(Z[I]) : V;
  }
}

/// Sequential recurrence of one (b, h) task.
template <typename T>
void forwardHeadSequential(const Mamba3CoreDims &Dims,
                           const Mamba3CoreArgs<T> &A,
                           const Mamba3CoreResults<T> &R, int64_t Bi,
                           int64_t Hd) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, P = Ix.P, N = Ix.N;
  Mamba3HeadPrep<T> Prep;
  prepareMamba3Head(Dims, A, Bi, Hd, Prep);
  std::vector<T> Hs, Y(P);
  loadMamba3InitSsm(Dims, A, Bi, Hd, Hs);
  const T *KPrev = Prep.InitK.data(), *XPrev = Prep.InitV.data();
  const T Dh = A.D ? A.D[Hd] : T(0);
  for (int64_t T0 = 0; T0 < L; ++T0) {
    const T *X = A.V + Ix.v(Bi, T0, Hd);
    const T *Kr = &Prep.Kr[T0 * N], *Qr = &Prep.Qr[T0 * N];
    T Al = Prep.Alpha[T0], Be = Prep.Beta[T0], Ga = Prep.Gamma[T0];
    for (int64_t I = 0; I < P; ++I) {
      T *Row = &Hs[I * N];
      T Bx = Be * XPrev[I], Gx = Ga * X[I], Acc = 0;
#pragma omp simd reduction(+ : Acc)
      for (int64_t J = 0; J < N; ++J) {
        Row[J] = Al * Row[J] + Bx * KPrev[J] + Gx * Kr[J];
        Acc += Row[J] * Qr[J];
      }
      Y[I] = Acc;
    }
    emitOutRow(Y.data(), X, Dh, A.Z ? A.Z + Ix.v(Bi, T0, Hd) : nullptr, P,
               R.Out + Ix.v(Bi, T0, Hd));
    KPrev = Kr;
    XPrev = X;
  }
  storeMamba3Final(Dims, A, Prep, Bi, Hd, R.Final);
  if (R.Final.Ssm)
    std::copy(Hs.begin(), Hs.end(), R.Final.Ssm + Ix.bh(Bi, Hd) * P * N);
}

/// Output rows of one chunk [C0, C1) given the entering state \p St and the
/// chunk-local inclusive cumulative log-decays \p Cs (indexed from C0).
template <typename T>
void chunkOutputs(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                  const Mamba3CoreResults<T> &R, const Mamba3HeadPrep<T> &Prep,
                  int64_t Bi, int64_t Hd, int64_t C0, int64_t C1,
                  const std::vector<T> &Cs, const std::vector<T> &St) {
  const int64_t P = Ix.P, N = Ix.N;
  const T Dh = A.D ? A.D[Hd] : T(0);
  std::vector<T> Y(P);
  for (int64_t T0 = C0; T0 < C1; ++T0) {
    const T *Qr = &Prep.Qr[T0 * N];
    T Decay = std::exp(Cs[T0 - C0]);
    for (int64_t I = 0; I < P; ++I) {
      T Acc = 0;
#pragma omp simd reduction(+ : Acc)
      for (int64_t J = 0; J < N; ++J)
        Acc += St[I * N + J] * Qr[J];
      Y[I] = Decay * Acc;
    }
    for (int64_t S0 = C0; S0 <= T0; ++S0) {
      const T *Kr = &Prep.Kr[S0 * N];
      T Dot = 0;
#pragma omp simd reduction(+ : Dot)
      for (int64_t J = 0; J < N; ++J)
        Dot += Qr[J] * Kr[J];
      T Coef = S0 == T0
                   ? Prep.Gamma[T0] * Dot
                   : std::exp(Cs[T0 - C0] - Cs[S0 - C0]) * Prep.Sigma[S0] * Dot;
      const T *Xs = A.V + Ix.v(Bi, S0, Hd);
      for (int64_t I = 0; I < P; ++I)
        Y[I] += Coef * Xs[I];
    }
    emitOutRow(Y.data(), A.V + Ix.v(Bi, T0, Hd), Dh,
               A.Z ? A.Z + Ix.v(Bi, T0, Hd) : nullptr, P,
               R.Out + Ix.v(Bi, T0, Hd));
  }
}

/// Chunked evaluation of one (b, h) task.
template <typename T>
void forwardHeadChunked(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                        const Mamba3CoreResults<T> &R, int64_t Bi, int64_t Hd,
                        int64_t Lc) {
  Mamba3Index Ix(Dims);
  const int64_t L = Ix.L, P = Ix.P, N = Ix.N;
  Mamba3HeadPrep<T> Prep;
  prepareMamba3Head(Dims, A, Bi, Hd, Prep);
  std::vector<T> St, Cs;
  loadMamba3InitSsm(Dims, A, Bi, Hd, St);
  mamba3FoldInitState(Ix, Prep, St);
  for (int64_t C0 = 0; C0 < L; C0 += Lc) {
    int64_t C1 = std::min(L, C0 + Lc);
    mamba3ChunkCumsum(Prep, C0, C1, Cs);
    chunkOutputs(Ix, A, R, Prep, Bi, Hd, C0, C1, Cs, St);
    mamba3ChunkStateUpdate(Ix, A, Prep, Bi, Hd, C0, C1, Cs, St);
  }
  storeMamba3Final(Dims, A, Prep, Bi, Hd, R.Final);
  if (R.Final.Ssm)
    std::copy(St.begin(), St.end(), R.Final.Ssm + Ix.bh(Bi, Hd) * P * N);
}

} // namespace

namespace mamba3 {

template <typename T>
void mamba3ChunkCumsum(const Mamba3HeadPrep<T> &Prep, int64_t C0, int64_t C1,
                       std::vector<T> &Cs) {
  Cs.resize(C1 - C0);
  T Run = 0;
  for (int64_t T0 = C0; T0 < C1; ++T0)
    Cs[T0 - C0] = Run += Prep.LogA[T0];
}

template <typename T>
void mamba3FoldInitState(const Mamba3Index &Ix, const Mamba3HeadPrep<T> &Prep,
                         std::vector<T> &St) {
  const T Xi = (T(1) - Prep.Lambda[0]) * Prep.Delta[0];
  for (int64_t I = 0; I < Ix.P; ++I)
    for (int64_t J = 0; J < Ix.N; ++J)
      St[I * Ix.N + J] += Xi * Prep.InitV[I] * Prep.InitK[J];
}

template <typename T>
void mamba3ChunkStateUpdate(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                            const Mamba3HeadPrep<T> &Prep, int64_t Bi,
                            int64_t Hd, int64_t C0, int64_t C1,
                            const std::vector<T> &Cs, std::vector<T> &St) {
  const int64_t P = Ix.P, N = Ix.N;
  const T Last = Cs[C1 - 1 - C0];
  const T Decay = std::exp(Last);
  for (T &V : St)
    V *= Decay;
  for (int64_t S0 = C0; S0 < C1; ++S0) {
    T W = std::exp(Last - Cs[S0 - C0]) * Prep.Sigma[S0];
    const T *Xs = A.V + Ix.v(Bi, S0, Hd), *Kr = &Prep.Kr[S0 * N];
    for (int64_t I = 0; I < P; ++I) {
      T Wx = W * Xs[I];
      for (int64_t J = 0; J < N; ++J)
        St[I * N + J] += Wx * Kr[J];
    }
  }
}

#define HYBC_MAMBA3_CHUNK_INST(T)                                              \
  template void mamba3ChunkCumsum<T>(const Mamba3HeadPrep<T> &, int64_t,       \
                                     int64_t, std::vector<T> &);               \
  template void mamba3FoldInitState<T>(                                        \
      const Mamba3Index &, const Mamba3HeadPrep<T> &, std::vector<T> &);       \
  template void mamba3ChunkStateUpdate<T>(                                     \
      const Mamba3Index &, const Mamba3CoreArgs<T> &,                          \
      const Mamba3HeadPrep<T> &, int64_t, int64_t, int64_t, int64_t,           \
      const std::vector<T> &, std::vector<T> &);

HYBC_MAMBA3_CHUNK_INST(float)
HYBC_MAMBA3_CHUNK_INST(double)

} // namespace mamba3

template <typename T>
void mamba3CoreForward(const Mamba3CoreDims &Dims,
                       const Mamba3CoreArgs<T> &Args,
                       const Mamba3CoreResults<T> &Res) {
  assert(Dims.Heads % Dims.HeadsQK == 0 &&
         "heads must be a multiple of qk heads");
  assert(2 * Dims.NumAngles <= Dims.StateDim && "too many rotation angles");
  const int64_t BH = Dims.Batch * Dims.Heads;
  const bool Par = parallelWorth(Mamba3Index(Dims));
#pragma omp parallel for schedule(dynamic) if (Par)
  for (int64_t I = 0; I < BH; ++I)
    forwardHeadSequential(Dims, Args, Res, I / Dims.Heads, I % Dims.Heads);
}

template <typename T>
void mamba3CoreForwardChunked(const Mamba3CoreDims &Dims,
                              const Mamba3CoreArgs<T> &Args,
                              const Mamba3CoreResults<T> &Res,
                              int64_t ChunkSize) {
  assert(ChunkSize >= 1 && "chunk size must be positive");
  assert(Dims.Heads % Dims.HeadsQK == 0 &&
         "heads must be a multiple of qk heads");
  assert(2 * Dims.NumAngles <= Dims.StateDim && "too many rotation angles");
  const int64_t BH = Dims.Batch * Dims.Heads;
  const bool Par = parallelWorth(Mamba3Index(Dims));
#pragma omp parallel for schedule(dynamic) if (Par)
  for (int64_t I = 0; I < BH; ++I)
    forwardHeadChunked(Dims, Args, Res, I / Dims.Heads, I % Dims.Heads,
                       ChunkSize);
}

template void mamba3CoreForward<float>(const Mamba3CoreDims &,
                                       const Mamba3CoreArgs<float> &,
                                       const Mamba3CoreResults<float> &);
template void mamba3CoreForward<double>(const Mamba3CoreDims &,
                                        const Mamba3CoreArgs<double> &,
                                        const Mamba3CoreResults<double> &);
template void mamba3CoreForwardChunked<float>(const Mamba3CoreDims &,
                                              const Mamba3CoreArgs<float> &,
                                              const Mamba3CoreResults<float> &,
                                              int64_t);
template void
mamba3CoreForwardChunked<double>(const Mamba3CoreDims &,
                                 const Mamba3CoreArgs<double> &,
                                 const Mamba3CoreResults<double> &, int64_t);

} // namespace cpu
} // namespace hybc
