//===- runtime/cpu/Elementwise.h - Gains, mixes, scaled adds ----*- C++ -*-===//
///
/// \file
/// Broadcast elementwise kernels with learnable vectors, as used by the PG
/// blocks. Rows = Batch * Seq; all tensors are row-major:
///
///   head gain   y[r,h,d] = x[r,h,d] * g[h]             X (Rows, H, D), g (H)
///   resid mix   y[r,d] = m[0,d] * x[r,d] + m[1,d] * x0[r,d]     m (2, D)
///   scaled add  y[r,d] = x[r,d] + s[d] * f[r,d]                 s (D)
///
/// (q_gain after RoPE; resid_mix at the top of every block; attn_scale /
/// mlp_scale / m3_scale / skip_weights residual updates.) Backward passes
/// overwrite their outputs; parameter gradients are summed over rows with a
/// deterministic, thread-count independent reduction. Example:
///
/// \code
///   residMixForward<float>(Rows, 512, X, X0, Mix, Y);
///   residMixBackward<float>(Rows, 512, X, X0, Mix, DY, DX, DX0, DMix);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_ELEMENTWISE_H
#define HYBC_RUNTIME_CPU_ELEMENTWISE_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Y[r,h,:] = X[r,h,:] * Gain[h]. Y may alias X.
template <typename T>
void headGainForward(int64_t Rows, int64_t Heads, int64_t HeadDim, const T *X,
                     const T *Gain, T *Y);

/// dX = dY * Gain[h]; dGain[h] = sum_{r,d} dY[r,h,d] * X[r,h,d].
template <typename T>
void headGainBackward(int64_t Rows, int64_t Heads, int64_t HeadDim, const T *X,
                      const T *Gain, const T *DY, T *DX, T *DGain);

/// Y = Mix[0,:] * X + Mix[1,:] * X0. Y may alias X or X0.
template <typename T>
void residMixForward(int64_t Rows, int64_t Dim, const T *X, const T *X0,
                     const T *Mix, T *Y);

/// dX = Mix[0,:] * dY; dX0 = Mix[1,:] * dY; dMix[0,d] = sum_r dY * X,
/// dMix[1,d] = sum_r dY * X0. DX0 may be null (e.g. when x0 is detached).
template <typename T>
void residMixBackward(int64_t Rows, int64_t Dim, const T *X, const T *X0,
                      const T *Mix, const T *DY, T *DX, T *DX0, T *DMix);

/// Y = X + Scale * F. Y may alias X.
template <typename T>
void scaledAddForward(int64_t Rows, int64_t Dim, const T *X, const T *Scale,
                      const T *F, T *Y);

/// dF = Scale * dY; dScale[d] = sum_r dY[r,d] * F[r,d]. The gradient of X is
/// dY itself and is not written.
template <typename T>
void scaledAddBackward(int64_t Rows, int64_t Dim, const T *Scale, const T *F,
                       const T *DY, T *DF, T *DScale);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_ELEMENTWISE_H
