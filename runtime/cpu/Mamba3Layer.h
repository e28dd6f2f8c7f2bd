//===- runtime/cpu/Mamba3Layer.h - Mamba-3 SISO layer reference -*- C++ -*-===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Layer-level CPU reference for Mamba-3 SISO (docs/mamba3.md §1.2-1.5):
/// everything between the in_proj output w and the out_proj input o. The
/// projection w (B,L,DProj) is split into [z|x|B|C|dd_dt|dd_A|trap|angles];
/// Δ = softplus(dd_dt + dt_bias), A = min(−f(dd_A), −A_floor) with f =
/// softplus or heavy-tail, B/C are RMS-normalised over N with weights, the
/// core adds the per-head biases, rotates by the cumulative angles (shared
/// by heads) and runs the recurrence; o = y·silu(z), or the per-head gated
/// RMSNorm (norm before gate) when OutProjNorm is set.
///
/// Example:
/// \code
///   Mamba3Dims Dm; Dm.Batch = 2; Dm.SeqLen = 64; Dm.Heads = 4; ...
///   Mamba3LayerSaved<float> Saved;
///   mamba3LayerForward(Dm, W, Params, {}, O, {}, Saved);
///   mamba3LayerBackward(Dm, W, Params, {}, Saved, DO, DW, Grads);
/// \endcode
///
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_CPU_MAMBA3LAYER_H
#define HYBC_RUNTIME_CPU_MAMBA3LAYER_H

#include "runtime/cpu/Mamba3Core.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <random>
#include <vector>

namespace hybc {
namespace cpu {

/// Activation f of the decay rate A = min(−f(dd_A), −A_floor).
enum class Mamba3AAct {
  Softplus,  ///< f = softplus (code used by Parameter Golf)
  HeavyTail, ///< f(x) = 1 + x (x >= 0), 1 / (1 − x) (x < 0)
};

/// Shapes and options of one Mamba-3 SISO layer.
struct Mamba3Dims {
  int64_t Batch = 1, SeqLen = 1;
  int64_t Heads = 1;     ///< H
  int64_t HeadDim = 1;   ///< P (DI = H·P)
  int64_t StateDim = 2;  ///< N
  int64_t Groups = 1;    ///< G, B/C groups (H % G == 0)
  int64_t NumAngles = 1; ///< S
  Mamba3AAct AAct = Mamba3AAct::Softplus;
  double AFloor = 1e-4;
  double NormEps = 1e-5;    ///< B/C RMSNorm eps
  bool OutProjNorm = false; ///< gated RMSNorm per head before out_proj
  double OutNormEps = 1e-5;
  /// 0: sequential recurrence forward and BPTT backward; > 0: chunked
  /// forward and backward with this chunk size.
  int64_t ChunkSize = 0;

  /// DI = H·P.
  int64_t innerDim() const { return Heads * HeadDim; }
  /// Width of the in_proj output: 2·DI + 2·G·N + 3·H + S.
  int64_t projDim() const {
    return 2 * innerDim() + 2 * Groups * StateDim + 3 * Heads + NumAngles;
  }
  /// Column offsets of the split [z|x|B|C|dd_dt|dd_A|trap|angles].
  int64_t offX() const { return innerDim(); }
  int64_t offB() const { return 2 * innerDim(); }
  int64_t offC() const { return offB() + Groups * StateDim; }
  int64_t offDt() const { return offC() + Groups * StateDim; }
  int64_t offA() const { return offDt() + Heads; }
  int64_t offTrap() const { return offA() + Heads; }
  int64_t offAngles() const { return offTrap() + Heads; }
  /// Core dimensions (angles shared by heads: AngleHeads = 1).
  Mamba3CoreDims coreDims() const {
    return {Batch, SeqLen, Heads, Groups, HeadDim, StateDim, NumAngles, 1};
  }
};

/// Layer parameters (fp32 in training). OutNormW is only read when
/// Mamba3Dims::OutProjNorm is set.
template <typename T> struct Mamba3LayerParams {
  const T *DtBias = nullptr;   ///< (H)
  const T *BBias = nullptr;    ///< (H,N)
  const T *CBias = nullptr;    ///< (H,N)
  const T *BNormW = nullptr;   ///< (N)
  const T *CNormW = nullptr;   ///< (N)
  const T *D = nullptr;        ///< (H)
  const T *OutNormW = nullptr; ///< (DI)
};

/// Parameter gradients (overwritten; any pointer may be null).
template <typename T> struct Mamba3LayerParamGrads {
  T *DtBias = nullptr, *BBias = nullptr, *CBias = nullptr;
  T *BNormW = nullptr, *CNormW = nullptr, *D = nullptr, *OutNormW = nullptr;
};

/// What the forward keeps for the backward: the core inputs it built plus
/// the normalisation statistics. Owned buffers, reused across calls.
template <typename T> struct Mamba3LayerSaved {
  std::vector<T> Q, K;          ///< (B,L,G,N) Ĉ, B̂ (normed, weighted)
  std::vector<T> RstdB, RstdC;  ///< (B,L,G) 1/rms
  std::vector<T> V, Z;          ///< (B,L,H,P) x, z
  std::vector<T> ADT, DT, Trap; ///< (B,H,L) A·Δ, Δ, raw trap
  std::vector<T> A;             ///< (B,H,L) A
  std::vector<T> Angles;        ///< (B,L,S) raw θ
  std::vector<T> Y, RstdY;      ///< OutProjNorm only: (B,L,H,P), (B,L,H)
};

/// Core inputs the layer feeds to the Mamba-3 core kernels (views into
/// \p Saved and \p Params); Z is set unless OutProjNorm.
template <typename T>
Mamba3CoreArgs<T> mamba3LayerCoreArgs(const Mamba3Dims &Dims,
                                      const Mamba3LayerParams<T> &Params,
                                      const Mamba3LayerSaved<T> &Saved,
                                      const Mamba3State<const T> &Init);

/// Forward: \p W (B,L,DProj) → \p O (B,L,DI). \p Init (optional) is a
/// carried state; \p Final (optional pointers) receives the final state.
template <typename T>
void mamba3LayerForward(const Mamba3Dims &Dims, const T *W,
                        const Mamba3LayerParams<T> &Params,
                        const Mamba3State<const T> &Init, T *O,
                        const Mamba3State<T> &Final,
                        Mamba3LayerSaved<T> &Saved);

/// Backward: given \p DO (B,L,DI), writes \p DW (B,L,DProj) and the
/// parameter gradients. \p W, \p Params, \p Init and \p Saved must be the
/// ones of the forward call.
template <typename T>
void mamba3LayerBackward(const Mamba3Dims &Dims, const T *W,
                         const Mamba3LayerParams<T> &Params,
                         const Mamba3State<const T> &Init,
                         const Mamba3LayerSaved<T> &Saved, const T *DO, T *DW,
                         const Mamba3LayerParamGrads<T> &Grads);

/// Official dt_bias init: Δ0 = max(exp(U(log DtMin, log DtMax)), DtFloor),
/// dt_bias = Δ0 + log(−expm1(−Δ0)) (inverse softplus). \p Uniform01 returns
/// a uniform number in [0, 1).
template <typename T>
void mamba3InitDtBias(llvm::MutableArrayRef<T> DtBias,
                      llvm::function_ref<double()> Uniform01,
                      double DtMin = 1e-3, double DtMax = 1e-1,
                      double DtFloor = 1e-4);

/// Same, drawing 53-bit uniforms from \p Rng (deterministic across
/// platforms).
template <typename T>
void mamba3InitDtBias(llvm::MutableArrayRef<T> DtBias, std::mt19937_64 &Rng,
                      double DtMin = 1e-3, double DtMax = 1e-1,
                      double DtFloor = 1e-4);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_MAMBA3LAYER_H
