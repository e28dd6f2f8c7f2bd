//===- runtime/cpu/Mamba3Core.h - Mamba-3 SISO core reference kernels -----===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// CPU reference kernels for the Mamba-3 SISO recurrence ("core": everything
/// between the pre-processed q/k/v/Δ/λ/θ tensors and the gated output), see
/// docs/mamba3.md §1.4 and §3. All kernels are plain functions over raw
/// row-major pointers, templated on the element type (float and double are
/// instantiated) and parallelised with OpenMP over (batch, head).
///
/// Layouts (B = batch, L = sequence, H = heads, Hqk = q/k heads, P = head dim,
/// N = state dim, S = rotation angles, AH = angle heads, H or 1):
///   Q, K (B,L,Hqk,N)  V, Z, Out (B,L,H,P)  ADT, DT, Trap (B,H,L)
///   QBias, KBias (H,N)  Angles (B,L,AH,S)  D (H)
///   state: Angle (B,H,S), Ssm (B,H,P,N), K (B,H,N) rotated, V (B,H,P).
/// Head h reads q/k head h / (H / Hqk) and angle head (AH == 1 ? 0 : h).
///
/// Example:
/// \code
///   Mamba3CoreDims Dims{B, L, H, Hqk, P, N, S, /*AngleHeads=*/1};
///   Mamba3CoreArgs<double> In{Q, K, V, Adt, Dt, Trap, Qb, Kb, Ang, D, Z, {}};
///   mamba3CoreForward(Dims, In, Mamba3CoreResults<double>{Out, {}});
/// \endcode
///
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_CPU_MAMBA3CORE_H
#define HYBC_RUNTIME_CPU_MAMBA3CORE_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Sizes of one Mamba-3 SISO core call.
struct Mamba3CoreDims {
  int64_t Batch = 1;     ///< B
  int64_t SeqLen = 1;    ///< L
  int64_t Heads = 1;     ///< H (value heads)
  int64_t HeadsQK = 1;   ///< Hqk, divides H (GQA groups of q/k)
  int64_t HeadDim = 1;   ///< P
  int64_t StateDim = 1;  ///< N (even when angles are used)
  int64_t NumAngles = 0; ///< S, 2*S <= N
  /// Size of the head axis of Angles: H (one angle row per head) or 1
  /// (angles shared by all heads, i.e. a stride-0 head axis).
  int64_t AngleHeads = 1;
};

/// Borrowed pointers to a recurrent state; `T` may be const-qualified.
/// Either all four pointers are set or the state is absent (`Ssm == nullptr`);
/// upstream gradients of a final state may set any subset.
template <typename T> struct Mamba3State {
  T *Angle = nullptr; ///< (B,H,S) cumulative angles in [0, 2π)
  T *Ssm = nullptr;   ///< (B,H,P,N)
  T *K = nullptr;     ///< (B,H,N) last rotated key (with bias, unscaled)
  T *V = nullptr;     ///< (B,H,P) last value
  /// True when the (non-gradient) state is present.
  bool present() const { return Ssm != nullptr; }
};

/// Forward inputs of the core. D, Z and Init are optional (nullptr / absent).
template <typename T> struct Mamba3CoreArgs {
  const T *Q = nullptr;      ///< (B,L,Hqk,N) C after norm, before bias
  const T *K = nullptr;      ///< (B,L,Hqk,N) B after norm, before bias
  const T *V = nullptr;      ///< (B,L,H,P) x
  const T *ADT = nullptr;    ///< (B,H,L) A·Δ (< 0)
  const T *DT = nullptr;     ///< (B,H,L) Δ
  const T *Trap = nullptr;   ///< (B,H,L) raw; λ = sigmoid(Trap)
  const T *QBias = nullptr;  ///< (H,N)
  const T *KBias = nullptr;  ///< (H,N)
  const T *Angles = nullptr; ///< (B,L,AH,S) raw; ω = π·tanh(Angles)
  const T *D = nullptr;      ///< (H) optional skip
  const T *Z = nullptr;      ///< (B,L,H,P) optional gate: out = y·silu(z)
  Mamba3State<const T> Init; ///< optional carried state
};

/// Forward outputs; Final is optional (any pointer may be null).
template <typename T> struct Mamba3CoreResults {
  T *Out = nullptr; ///< (B,L,H,P)
  Mamba3State<T> Final;
};

/// Upstream gradients for the backward pass. DOut is required; each member
/// of DFinal may be null (treated as zero).
template <typename T> struct Mamba3CoreUpstream {
  const T *DOut = nullptr; ///< (B,L,H,P)
  Mamba3State<const T> DFinal;
};

/// Gradients produced by the backward pass, same layouts as the inputs.
/// Every pointer may be null to skip that output; outputs are overwritten.
/// DAngles has the AH layout of the input (summed over heads when AH == 1);
/// DInit is only written when a carried state was given.
template <typename T> struct Mamba3CoreGrads {
  T *DQ = nullptr, *DK = nullptr, *DV = nullptr;
  T *DADT = nullptr, *DDT = nullptr, *DTrap = nullptr;
  T *DQBias = nullptr, *DKBias = nullptr, *DAngles = nullptr;
  T *DD = nullptr, *DZ = nullptr;
  Mamba3State<T> DInit;
};

/// Sequential recurrence (docs/mamba3.md §4.1): the reference every other
/// kernel is tested against. Writes Out and any non-null Final pointer.
template <typename T>
void mamba3CoreForward(const Mamba3CoreDims &Dims,
                       const Mamba3CoreArgs<T> &Args,
                       const Mamba3CoreResults<T> &Res);

/// Chunked (SSD) forward of §3.2 with chunk size \p ChunkSize (>= 1; the
/// last chunk may be partial). Same results as mamba3CoreForward up to
/// rounding.
template <typename T>
void mamba3CoreForwardChunked(const Mamba3CoreDims &Dims,
                              const Mamba3CoreArgs<T> &Args,
                              const Mamba3CoreResults<T> &Res,
                              int64_t ChunkSize);

/// Exact backward by back-propagation through time (§4.2). Recomputes the
/// forward internally: per (batch, head) it keeps one P×N checkpoint every
/// ~sqrt(L) steps, so extra memory is O(L·N + sqrt(L)·P·N) per thread plus
/// O(B·H·L·(N+S)) for the deterministic head reductions.
template <typename T>
void mamba3CoreBackward(const Mamba3CoreDims &Dims,
                        const Mamba3CoreArgs<T> &Args,
                        const Mamba3CoreUpstream<T> &Up,
                        const Mamba3CoreGrads<T> &Grads);

/// Chunked backward of §3.4 (reverse chunk sweep with the state gradient,
/// decay gradients from per-element products). Same results as
/// mamba3CoreBackward up to rounding.
template <typename T>
void mamba3CoreBackwardChunked(const Mamba3CoreDims &Dims,
                               const Mamba3CoreArgs<T> &Args,
                               const Mamba3CoreUpstream<T> &Up,
                               const Mamba3CoreGrads<T> &Grads,
                               int64_t ChunkSize);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_MAMBA3CORE_H
