//===- runtime/cpu/Mamba3CoreDetail.h - Mamba-3 core internals --*- C++ -*-===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Internal helpers shared by the Mamba-3 core kernels (not a public API):
/// scalar activations, tensor indexing, the per-(batch, head) pre-pass that
/// rotates q/k and computes the trapezoid coefficients, and the backward
/// tail that un-rotates gradients, runs the angle reverse-cumsum and reduces
/// over heads deterministically.
///
/// Example (inside a kernel, one (b, h) task):
/// \code
///   Mamba3HeadPrep<T> Prep;
///   prepareMamba3Head(Dims, Args, B, H, Prep);   // Prep.Qr, Prep.Kr, ...
/// \endcode
///
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_CPU_MAMBA3COREDETAIL_H
#define HYBC_RUNTIME_CPU_MAMBA3COREDETAIL_H

#include "runtime/cpu/Mamba3Core.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace hybc {
namespace cpu {
namespace mamba3 {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 6.28318530717958647692;

/// Logistic sigmoid.
template <typename T> inline T sigmoid(T X) {
  return T(1) / (T(1) + std::exp(-X));
}

/// softplus(x) = log(1 + e^x), linear above 20 like PyTorch.
template <typename T> inline T softplus(T X) {
  return X > T(20) ? X : std::log1p(std::exp(X));
}

/// silu(x) = x·sigmoid(x).
template <typename T> inline T silu(T X) { return X * sigmoid(X); }

/// d silu(x) / dx.
template <typename T> inline T siluGrad(T X) {
  T S = sigmoid(X);
  return S * (T(1) + X * (T(1) - S));
}

/// d softplus(x) / dx, consistent with the threshold of softplus().
template <typename T> inline T softplusGrad(T X) {
  return X > T(20) ? T(1) : sigmoid(X);
}

/// Decay-rate activation f: softplus, or heavy-tail 1 + x (x >= 0),
/// 1 / (1 − x) (x < 0).
template <typename T> inline T decayAct(T X, bool HeavyTail) {
  if (!HeavyTail)
    return softplus(X);
  return X >= T(0) ? T(1) + X : T(1) / (T(1) - X);
}

/// f'(x) of decayAct.
template <typename T> inline T decayActGrad(T X, bool HeavyTail) {
  if (!HeavyTail)
    return softplusGrad(X);
  return X >= T(0) ? T(1) : T(1) / ((T(1) - X) * (T(1) - X));
}

/// x − 2π·floor(x / 2π), the angle wrap of the reference.
template <typename T> inline T wrapTwoPi(T X) {
  const T TwoPi = T(kTwoPi);
  return X - TwoPi * std::floor(X / TwoPi);
}

/// Flat offsets into the core tensors (see Mamba3Core.h for layouts).
struct Mamba3Index {
  int64_t B, L, H, Hqk, P, N, S, AH;
  explicit Mamba3Index(const Mamba3CoreDims &D)
      : B(D.Batch), L(D.SeqLen), H(D.Heads), Hqk(D.HeadsQK), P(D.HeadDim),
        N(D.StateDim), S(D.NumAngles), AH(D.AngleHeads) {}
  /// q/k head of value head \p Hd.
  int64_t group(int64_t Hd) const { return Hd / (H / Hqk); }
  /// Row of Q/K at (b, t, head h's group).
  int64_t qk(int64_t Bi, int64_t T, int64_t Hd) const {
    return ((Bi * L + T) * Hqk + group(Hd)) * N;
  }
  /// Row of V/Z/Out at (b, t, h).
  int64_t v(int64_t Bi, int64_t T, int64_t Hd) const {
    return ((Bi * L + T) * H + Hd) * P;
  }
  /// Element of ADT/DT/Trap at (b, h, t).
  int64_t bht(int64_t Bi, int64_t Hd, int64_t T) const {
    return (Bi * H + Hd) * L + T;
  }
  /// Row of Angles at (b, t, h) (stride 0 over heads when AH == 1).
  int64_t ang(int64_t Bi, int64_t T, int64_t Hd) const {
    return ((Bi * L + T) * AH + (AH == 1 ? 0 : Hd)) * S;
  }
  /// (b, h) task index.
  int64_t bh(int64_t Bi, int64_t Hd) const { return Bi * H + Hd; }
};

/// Below this much work (~flops) the kernels stay single-threaded: OpenMP
/// start-up would dominate (and tiny finite-difference loops would crawl).
constexpr int64_t kMinParallelWork = int64_t(1) << 16;

/// True when the per-(batch, head) loops of \p Ix are worth threading.
inline bool parallelWorth(const Mamba3Index &Ix) {
  return Ix.B * Ix.H * Ix.L * Ix.P * Ix.N >= kMinParallelWork;
}

/// Per-(batch, head) pre-processed sequence, all arrays indexed by token.
template <typename T> struct Mamba3HeadPrep {
  std::vector<T> Qr, Kr;        ///< L×N rotated q̃ = R(φ)(Q+bQ), k̃
  std::vector<T> Phi, Cos, Sin; ///< L×S wrapped cumulative angles
  std::vector<T> Omega;         ///< L×S π·tanh(θ)
  std::vector<T> Lambda, Delta; ///< L: λ = sigmoid(trap), Δ
  std::vector<T> Alpha, Beta;   ///< L: α = e^a, β = (1−λ)Δα
  std::vector<T> Gamma, Sigma; ///< L: γ = λΔ, σ_t = γ_t + (1−λ_{t+1})Δ_{t+1}
  std::vector<T> LogA;         ///< L: a = A·Δ
  std::vector<T> InitK, InitV; ///< N, P: carried k̃_{−1}, x_{−1} (or 0)
};

/// Fills \p Prep for task (\p Bi, \p Hd).
template <typename T>
void prepareMamba3Head(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                       int64_t Bi, int64_t Hd, Mamba3HeadPrep<T> &Prep);

/// Writes the carried initial state of (\p Bi, \p Hd) into \p H0 (P×N),
/// zero when no state is carried.
template <typename T>
void loadMamba3InitSsm(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                       int64_t Bi, int64_t Hd, std::vector<T> &H0);

/// Writes the final angle/k/v of task (\p Bi, \p Hd) to the non-null
/// members of \p Final (Ssm is written by the caller).
template <typename T>
void storeMamba3Final(const Mamba3CoreDims &Dims, const Mamba3CoreArgs<T> &A,
                      const Mamba3HeadPrep<T> &Prep, int64_t Bi, int64_t Hd,
                      const Mamba3State<T> &Final);

/// Gradients of one (batch, head) task w.r.t. the rotated sequences and
/// the per-token scalars, produced by a core backward (BPTT or chunked).
template <typename T> struct Mamba3HeadGrad {
  std::vector<T> DQr, DKr;    ///< L×N d/dq̃, d/dk̃ (unscaled rotated key)
  std::vector<T> DDelta;      ///< L: dΔ from the recurrence coefficients
  std::vector<T> DLambda, DA; ///< L: dλ, d(ADT)
  std::vector<T> DInitK;      ///< N: d k̃_{−1}
  T DD = 0;                   ///< dD_h partial of this task
  /// Resizes all buffers to zero-filled arrays for \p Ix.
  void reset(const Mamba3Index &Ix) {
    DQr.assign(Ix.L * Ix.N, T(0));
    DKr.assign(Ix.L * Ix.N, T(0));
    DDelta.assign(Ix.L, T(0));
    DLambda.assign(Ix.L, T(0));
    DA.assign(Ix.L, T(0));
    DInitK.assign(Ix.N, T(0));
    DD = T(0);
  }
};

/// Buffers for the deterministic reductions over heads and batch.
template <typename T> struct Mamba3BwdScratch {
  std::vector<T> DqHead, DkHead;         ///< (B,H,L,N) unrotated dq, dk
  std::vector<T> DThetaHead;             ///< (B,H,L,S) per-head dθ
  std::vector<T> DqBiasHead, DkBiasHead; ///< (B,H,N)
  std::vector<T> DDHead;                 ///< (B,H)
  /// Allocates for \p Ix.
  explicit Mamba3BwdScratch(const Mamba3Index &Ix)
      : DqHead(Ix.B * Ix.H * Ix.L * Ix.N), DkHead(Ix.B * Ix.H * Ix.L * Ix.N),
        DThetaHead(Ix.B * Ix.H * Ix.L * Ix.S), DqBiasHead(Ix.B * Ix.H * Ix.N),
        DkBiasHead(Ix.B * Ix.H * Ix.N), DDHead(Ix.B * Ix.H) {}
};

/// Backward tail of one task: un-rotates DQr/DKr (adding the final-k
/// gradient first), accumulates the angle gradient (reverse cumsum) into
/// DDelta and the per-head dθ, and writes DDT, DTrap, DADT, DInit.Angle and
/// DInit.K plus the per-task scratch rows.
template <typename T>
void finishMamba3HeadGrad(const Mamba3CoreDims &Dims,
                          const Mamba3CoreArgs<T> &A,
                          const Mamba3CoreUpstream<T> &Up,
                          const Mamba3CoreGrads<T> &G, int64_t Bi, int64_t Hd,
                          const Mamba3HeadPrep<T> &Prep, Mamba3HeadGrad<T> &HG,
                          Mamba3BwdScratch<T> &Scr);

/// Reduces the scratch over heads (GQA, shared angles) and batch (biases,
/// D) into DQ, DK, DAngles, DQBias, DKBias, DD.
template <typename T>
void reduceMamba3Grads(const Mamba3CoreDims &Dims, const Mamba3CoreGrads<T> &G,
                       const Mamba3BwdScratch<T> &Scr);

/// Chunk-local inclusive cumulative log-decay of tokens [C0, C1) into
/// Cs[0 .. C1−C0).
template <typename T>
void mamba3ChunkCumsum(const Mamba3HeadPrep<T> &Prep, int64_t C0, int64_t C1,
                       std::vector<T> &Cs);

/// Chunk-entry state of chunk 0: the carried H_{−1} (already in \p St)
/// plus the pending β term (1−λ_0)Δ_0·x_{−1}k̃_{−1}ᵀ without its α_0.
template <typename T>
void mamba3FoldInitState(const Mamba3Index &Ix, const Mamba3HeadPrep<T> &Prep,
                         std::vector<T> &St);

/// St ← exp(cs_last)·St + Σ_s exp(cs_last − cs_s)·σ_s·x_s k̃_sᵀ over the
/// chunk [C0, C1) with cumulative log-decays \p Cs.
template <typename T>
void mamba3ChunkStateUpdate(const Mamba3Index &Ix, const Mamba3CoreArgs<T> &A,
                            const Mamba3HeadPrep<T> &Prep, int64_t Bi,
                            int64_t Hd, int64_t C0, int64_t C1,
                            const std::vector<T> &Cs, std::vector<T> &St);

/// ȳ = dOut·silu(z) (or dOut) for one token row; also writes dZ when
/// requested (needs the pre-gate \p Y).
template <typename T>
void gateBackwardRow(const T *DOut, const T *Z, const T *Y, int64_t P, T *DyOut,
                     T *DzOut);

} // namespace mamba3
} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_MAMBA3COREDETAIL_H
