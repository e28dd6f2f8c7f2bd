//===- runtime/cpu/Norm.cpp - RMSNorm forward/backward --------------------===//
///
/// \file
/// Row-parallel RMSNorm kernels (see Norm.h for the formulas). Per-row sums
/// are accumulated in T; dW uses the deterministic columnReduce(). Example:
/// `rmsNormWeightBackward<double>(Rows, Dim, X, W, Rstd, DY, DX, DW)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Norm.h"
#include "runtime/cpu/ColumnReduce.h"

#include <cmath>

namespace hybc {
namespace cpu {
namespace {

constexpr int64_t kParallelMin = 16384;

/// rstd of one row.
template <typename T> T rowRstd(int64_t Dim, const T *X, T Eps) {
  T SumSq = T(0);
#pragma omp simd reduction(+ : SumSq)
  for (int64_t D = 0; D < Dim; ++D)
    SumSq += X[D] * X[D];
  return T(1) / std::sqrt(SumSq / static_cast<T>(Dim) + Eps);
}

/// Shared forward; W may be null (parameter-free).
template <typename T>
void rmsNormImpl(int64_t Rows, int64_t Dim, const T *X, const T *W, T Eps, T *Y,
                 T *Rstd) {
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
    const T *XRow = X + R * Dim;
    T *YRow = Y + R * Dim;
    const T S = rowRstd(Dim, XRow, Eps);
    if (Rstd)
      Rstd[R] = S;
    if (W) {
#pragma omp simd
      for (int64_t D = 0; D < Dim; ++D)
        YRow[D] = XRow[D] * S * W[D];
    } else {
#pragma omp simd
      for (int64_t D = 0; D < Dim; ++D)
        YRow[D] = XRow[D] * S;
    }
  }
}

/// Shared input backward; W may be null (parameter-free).
template <typename T>
void rmsNormBackwardImpl(int64_t Rows, int64_t Dim, const T *X, const T *W,
                         const T *Rstd, const T *DY, T *DX) {
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
    const T *XRow = X + R * Dim;
    const T *DYRow = DY + R * Dim;
    T *DXRow = DX + R * Dim;
    const T S = Rstd[R];
    T Dot = T(0);
#pragma omp simd reduction(+ : Dot)
    for (int64_t D = 0; D < Dim; ++D)
      Dot += (W ? W[D] : T(1)) * DYRow[D] * XRow[D];
    const T Coef = S * S * S * Dot / static_cast<T>(Dim);
#pragma omp simd
    for (int64_t D = 0; D < Dim; ++D)
      DXRow[D] = S * (W ? W[D] : T(1)) * DYRow[D] - XRow[D] * Coef;
  }
}

} // namespace

template <typename T>
void rmsNormForward(int64_t Rows, int64_t Dim, const T *X, T Eps, T *Y,
                    T *Rstd) {
  rmsNormImpl<T>(Rows, Dim, X, nullptr, Eps, Y, Rstd);
}

template <typename T>
void rmsNormBackward(int64_t Rows, int64_t Dim, const T *X, const T *Rstd,
                     const T *DY, T *DX) {
  rmsNormBackwardImpl<T>(Rows, Dim, X, nullptr, Rstd, DY, DX);
}

template <typename T>
void rmsNormWeightForward(int64_t Rows, int64_t Dim, const T *X, const T *W,
                          T Eps, T *Y, T *Rstd) {
  rmsNormImpl<T>(Rows, Dim, X, W, Eps, Y, Rstd);
}

template <typename T>
void rmsNormWeightBackward(int64_t Rows, int64_t Dim, const T *X, const T *W,
                           const T *Rstd, const T *DY, T *DX, T *DW) {
  detail::columnReduce<T>(
      Rows, Dim,
      [&](int64_t R, double *Acc) {
        const double S = Rstd[R];
        for (int64_t D = 0; D < Dim; ++D)
          Acc[D] += static_cast<double>(DY[R * Dim + D]) * X[R * Dim + D] * S;
      },
      DW);
  rmsNormBackwardImpl<T>(Rows, Dim, X, W, Rstd, DY, DX);
}

#define HYBC_INSTANTIATE_NORM(T)                                               \
  template void rmsNormForward<T>(int64_t, int64_t, const T *, T, T *, T *);   \
  template void rmsNormBackward<T>(int64_t, int64_t, const T *, const T *,     \
                                   const T *, T *);                            \
  template void rmsNormWeightForward<T>(int64_t, int64_t, const T *,           \
                                        const T *, T, T *, T *);               \
  template void rmsNormWeightBackward<T>(                                      \
      int64_t, int64_t, const T *, const T *, const T *, const T *, T *, T *);
HYBC_INSTANTIATE_NORM(float)
HYBC_INSTANTIATE_NORM(double)
#undef HYBC_INSTANTIATE_NORM

} // namespace cpu
} // namespace hybc
