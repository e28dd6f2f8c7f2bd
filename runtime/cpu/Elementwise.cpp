//===- runtime/cpu/Elementwise.cpp - Gains, mixes, scaled adds ------------===//
///
/// \file
/// Row-parallel broadcast kernels (formulas in Elementwise.h). Parameter
/// gradients are computed first with columnReduce() so that input-gradient
/// outputs may alias dY. Example:
/// `scaledAddBackward<double>(Rows, Dim, S, F, DY, DF, DS)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Elementwise.h"
#include "runtime/cpu/ColumnReduce.h"

namespace hybc {
namespace cpu {
namespace {
constexpr int64_t kParallelMin = 16384;
} // namespace

template <typename T>
void headGainForward(int64_t Rows, int64_t Heads, int64_t HeadDim, const T *X,
                     const T *Gain, T *Y) {
  const int64_t Vectors = Rows * Heads;
#pragma omp parallel for schedule(static) if (Vectors * HeadDim > kParallelMin)
  for (int64_t V = 0; V < Vectors; ++V) {
    const T G = Gain[V % Heads];
#pragma omp simd
    for (int64_t D = 0; D < HeadDim; ++D)
      Y[V * HeadDim + D] = X[V * HeadDim + D] * G;
  }
}

template <typename T>
void headGainBackward(int64_t Rows, int64_t Heads, int64_t HeadDim, const T *X,
                      const T *Gain, const T *DY, T *DX, T *DGain) {
  const int64_t RowLen = Heads * HeadDim;
  detail::columnReduce<T>(
      Rows, Heads,
      [&](int64_t R, double *Acc) {
        for (int64_t H = 0; H < Heads; ++H) {
          const int64_t Base = R * RowLen + H * HeadDim;
          double Dot = 0.0;
          for (int64_t D = 0; D < HeadDim; ++D)
            Dot += static_cast<double>(DY[Base + D]) * X[Base + D];
          Acc[H] += Dot;
        }
      },
      DGain);
  headGainForward<T>(Rows, Heads, HeadDim, DY, Gain, DX);
}

template <typename T>
void residMixForward(int64_t Rows, int64_t Dim, const T *X, const T *X0,
                     const T *Mix, T *Y) {
  const T *M0 = Mix, *M1 = Mix + Dim;
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
#pragma omp simd
    for (int64_t D = 0; D < Dim; ++D)
      Y[R * Dim + D] = M0[D] * X[R * Dim + D] + M1[D] * X0[R * Dim + D];
  }
}

template <typename T>
void residMixBackward(int64_t Rows, int64_t Dim, const T *X, const T *X0,
                      const T *Mix, const T *DY, T *DX, T *DX0, T *DMix) {
  detail::columnReduce<T>(
      Rows, 2 * Dim,
      [&](int64_t R, double *Acc) {
        for (int64_t D = 0; D < Dim; ++D) {
          const double G = DY[R * Dim + D];
          Acc[D] += G * X[R * Dim + D];
          Acc[Dim + D] += G * X0[R * Dim + D];
        }
      },
      DMix);
  const T *M0 = Mix, *M1 = Mix + Dim;
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
    for (int64_t D = 0; D < Dim; ++D) {
      const T G = DY[R * Dim + D];
      if (DX0)
        DX0[R * Dim + D] = M1[D] * G;
      DX[R * Dim + D] = M0[D] * G;
    }
  }
}

template <typename T>
void scaledAddForward(int64_t Rows, int64_t Dim, const T *X, const T *Scale,
                      const T *F, T *Y) {
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
#pragma omp simd
    for (int64_t D = 0; D < Dim; ++D)
      Y[R * Dim + D] = X[R * Dim + D] + Scale[D] * F[R * Dim + D];
  }
}

template <typename T>
void scaledAddBackward(int64_t Rows, int64_t Dim, const T *Scale, const T *F,
                       const T *DY, T *DF, T *DScale) {
  detail::columnReduce<T>(
      Rows, Dim,
      [&](int64_t R, double *Acc) {
        for (int64_t D = 0; D < Dim; ++D)
          Acc[D] += static_cast<double>(DY[R * Dim + D]) * F[R * Dim + D];
      },
      DScale);
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
#pragma omp simd
    for (int64_t D = 0; D < Dim; ++D)
      DF[R * Dim + D] = Scale[D] * DY[R * Dim + D];
  }
}

#define HYBC_INSTANTIATE_ELEMENTWISE(T)                                        \
  template void headGainForward<T>(int64_t, int64_t, int64_t, const T *,       \
                                   const T *, T *);                            \
  template void headGainBackward<T>(int64_t, int64_t, int64_t, const T *,      \
                                    const T *, const T *, T *, T *);           \
  template void residMixForward<T>(int64_t, int64_t, const T *, const T *,     \
                                   const T *, T *);                            \
  template void residMixBackward<T>(int64_t, int64_t, const T *, const T *,    \
                                    const T *, const T *, T *, T *, T *);      \
  template void scaledAddForward<T>(int64_t, int64_t, const T *, const T *,    \
                                    const T *, T *);                           \
  template void scaledAddBackward<T>(int64_t, int64_t, const T *, const T *,   \
                                     const T *, T *, T *);
HYBC_INSTANTIATE_ELEMENTWISE(float)
HYBC_INSTANTIATE_ELEMENTWISE(double)
#undef HYBC_INSTANTIATE_ELEMENTWISE

} // namespace cpu
} // namespace hybc
