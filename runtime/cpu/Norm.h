//===- runtime/cpu/Norm.h - RMSNorm forward/backward ------------*- C++ -*-===//
///
/// \file
/// RMSNorm over the last dimension of a (Rows, Dim) row-major tensor:
///
///   rstd_r = 1 / sqrt(mean_d(x[r,d]^2) + Eps)
///   y[r,d] = x[r,d] * rstd_r            (parameter-free, PG F.rms_norm)
///   y[r,d] = x[r,d] * rstd_r * w[d]     (learnable weight)
///
/// Parameter Golf uses the parameter-free form everywhere with
/// Eps = kRmsNormEpsPG (torch.finfo(float32).eps, what F.rms_norm picks when
/// eps is None); learnable-weight norms (Mamba B/C norms) use 1e-5. The
/// forward stores rstd per row for the backward. Backward passes overwrite
/// their outputs. Rows are processed in parallel. Example:
///
/// \code
///   rmsNormForward<float>(Rows, 512, X, kRmsNormEpsPG, Y, Rstd);
///   rmsNormBackward<float>(Rows, 512, X, Rstd, DY, DX);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_NORM_H
#define HYBC_RUNTIME_CPU_NORM_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Eps of F.rms_norm(x, (d,)) with eps=None on fp32/bf16 inputs.
constexpr double kRmsNormEpsPG = 1.1920928955078125e-07;

/// Parameter-free RMSNorm: Y = X * rstd. Rstd (Rows) may be null. Y may
/// alias X.
template <typename T>
void rmsNormForward(int64_t Rows, int64_t Dim, const T *X, T Eps, T *Y,
                    T *Rstd);

/// Backward of rmsNormForward:
///   dX = rstd * dY - X * rstd^3 * sum_d(dY * X) / Dim.
template <typename T>
void rmsNormBackward(int64_t Rows, int64_t Dim, const T *X, const T *Rstd,
                     const T *DY, T *DX);

/// RMSNorm with a learnable weight W (Dim): Y = X * rstd * W. Rstd may be
/// null.
template <typename T>
void rmsNormWeightForward(int64_t Rows, int64_t Dim, const T *X, const T *W,
                          T Eps, T *Y, T *Rstd);

/// Backward of rmsNormWeightForward. With G = W * dY:
///   dX = rstd * G - X * rstd^3 * sum_d(G * X) / Dim,
///   dW[d] = sum_r dY[r,d] * X[r,d] * rstd_r (deterministic reduction).
template <typename T>
void rmsNormWeightBackward(int64_t Rows, int64_t Dim, const T *X, const T *W,
                           const T *Rstd, const T *DY, T *DX, T *DW);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_NORM_H
