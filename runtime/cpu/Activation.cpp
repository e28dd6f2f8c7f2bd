//===- runtime/cpu/Activation.cpp - Pointwise activations -----------------===//
///
/// \file
/// OpenMP-parallel pointwise activations (formulas in Activation.h). Every
/// kernel is a single parallel simd loop over the N elements. Example:
/// `siluBackward<double>(N, X, DY, DX)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Activation.h"

#include <cassert>
#include <cmath>

namespace hybc {
namespace cpu {
namespace {

constexpr int64_t kParallelMin = 32768;

template <typename T> T sigmoid(T X) { return T(1) / (T(1) + std::exp(-X)); }

} // namespace

template <typename T> void siluForward(int64_t N, const T *X, T *Y) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I)
    Y[I] = X[I] * sigmoid(X[I]);
}

template <typename T>
void siluBackward(int64_t N, const T *X, const T *DY, T *DX) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    const T S = sigmoid(X[I]);
    DX[I] = DY[I] * S * (T(1) + X[I] * (T(1) - S));
  }
}

template <typename T> void reluSquareForward(int64_t N, const T *X, T *Y) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    const T R = X[I] > T(0) ? X[I] : T(0);
    Y[I] = R * R;
  }
}

template <typename T>
void reluSquareBackward(int64_t N, const T *X, const T *DY, T *DX) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    const T R = X[I] > T(0) ? X[I] : T(0);
    DX[I] = DY[I] * T(2) * R;
  }
}

template <typename T>
void leakyReluSquareForward(int64_t N, T Slope, const T *X, T *Y) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    const T L = X[I] >= T(0) ? X[I] : Slope * X[I];
    Y[I] = L * L;
  }
}

template <typename T>
void leakyReluSquareBackward(int64_t N, T Slope, const T *X, const T *DY,
                             T *DX) {
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    // d/dx (a x)^2 = 2 a^2 x on the negative side.
    const T Factor = X[I] >= T(0) ? T(2) : T(2) * Slope * Slope;
    DX[I] = DY[I] * Factor * X[I];
  }
}

template <typename T> void softcapForward(int64_t N, T Cap, const T *X, T *Y) {
  assert(Cap > T(0) && "softcap: cap must be positive");
  const T InvCap = T(1) / Cap;
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I)
    Y[I] = Cap * std::tanh(X[I] * InvCap);
}

template <typename T>
void softcapBackward(int64_t N, T Cap, const T *X, const T *DY, T *DX) {
  assert(Cap > T(0) && "softcap: cap must be positive");
  const T InvCap = T(1) / Cap;
#pragma omp parallel for simd schedule(static) if (N > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    const T Th = std::tanh(X[I] * InvCap);
    DX[I] = DY[I] * (T(1) - Th * Th);
  }
}

#define HYBC_INSTANTIATE_ACT(T)                                                \
  template void siluForward<T>(int64_t, const T *, T *);                       \
  template void siluBackward<T>(int64_t, const T *, const T *, T *);           \
  template void reluSquareForward<T>(int64_t, const T *, T *);                 \
  template void reluSquareBackward<T>(int64_t, const T *, const T *, T *);     \
  template void leakyReluSquareForward<T>(int64_t, T, const T *, T *);         \
  template void leakyReluSquareBackward<T>(int64_t, T, const T *, const T *,   \
                                           T *);                               \
  template void softcapForward<T>(int64_t, T, const T *, T *);                 \
  template void softcapBackward<T>(int64_t, T, const T *, const T *, T *);
HYBC_INSTANTIATE_ACT(float)
HYBC_INSTANTIATE_ACT(double)
#undef HYBC_INSTANTIATE_ACT

} // namespace cpu
} // namespace hybc
