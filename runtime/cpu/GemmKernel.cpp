//===- runtime/cpu/GemmKernel.cpp - GEMM micro-kernels --------------------===//
///
/// \file
/// Portable and AVX2+FMA micro-kernels for gemm() and the run-time choice
/// between them. The portable kernel keeps an MR x NR accumulator tile and
/// relies on `#pragma omp simd` auto-vectorisation; the AVX2 kernels hold the
/// tile in 12 ymm registers and issue one broadcast + NR/W FMAs per row and
/// depth step. Example: `detail::selectMicroKernel<double>()(Kc, Ap, Bp, C,
/// Ldc)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/GemmKernel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HYBC_GEMM_X86 1
#include <immintrin.h>
#else
#define HYBC_GEMM_X86 0
#endif

namespace hybc {
namespace cpu {
namespace detail {
namespace {

/// Portable kernel: accumulate the tile in a local array, then add to C.
template <typename T>
void portableKernel(int64_t Kc, const T *Ap, const T *Bp, T *C, int64_t Ldc) {
  constexpr int64_t MR = GemmBlocking<T>::MR;
  constexpr int64_t NR = GemmBlocking<T>::NR;
  T Acc[MR][NR] = {};
  for (int64_t P = 0; P < Kc; ++P) {
    const T *APanel = Ap + P * MR;
    const T *BPanel = Bp + P * NR;
    for (int64_t I = 0; I < MR; ++I) {
      const T AValue = APanel[I];
#pragma omp simd
      for (int64_t J = 0; J < NR; ++J)
        Acc[I][J] += AValue * BPanel[J];
    }
  }
  for (int64_t I = 0; I < MR; ++I) {
#pragma omp simd
    for (int64_t J = 0; J < NR; ++J)
      C[I * Ldc + J] += Acc[I][J];
  }
}

#if HYBC_GEMM_X86
/// AVX2+FMA float kernel, MR = 6, NR = 16 (two ymm per row).
__attribute__((target("avx2,fma"))) void avx2KernelF32(int64_t Kc,
                                                       const float *Ap,
                                                       const float *Bp,
                                                       float *C, int64_t Ldc) {
  __m256 Acc[6][2];
#pragma GCC unroll 6
  for (int I = 0; I < 6; ++I)
    Acc[I][0] = Acc[I][1] = _mm256_setzero_ps();
  for (int64_t P = 0; P < Kc; ++P) {
    const __m256 B0 = _mm256_load_ps(Bp);
    const __m256 B1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 6
    for (int I = 0; I < 6; ++I) {
      const __m256 A = _mm256_broadcast_ss(Ap + I);
      Acc[I][0] = _mm256_fmadd_ps(A, B0, Acc[I][0]);
      Acc[I][1] = _mm256_fmadd_ps(A, B1, Acc[I][1]);
    }
    Ap += 6;
    Bp += 16;
  }
#pragma GCC unroll 6
  for (int I = 0; I < 6; ++I) {
    float *Row = C + I * Ldc;
    _mm256_storeu_ps(Row, _mm256_add_ps(_mm256_loadu_ps(Row), Acc[I][0]));
    _mm256_storeu_ps(Row + 8,
                     _mm256_add_ps(_mm256_loadu_ps(Row + 8), Acc[I][1]));
  }
}

/// AVX2+FMA double kernel, MR = 6, NR = 8 (two ymm per row).
__attribute__((target("avx2,fma"))) void avx2KernelF64(int64_t Kc,
                                                       const double *Ap,
                                                       const double *Bp,
                                                       double *C, int64_t Ldc) {
  __m256d Acc[6][2];
#pragma GCC unroll 6
  for (int I = 0; I < 6; ++I)
    Acc[I][0] = Acc[I][1] = _mm256_setzero_pd();
  for (int64_t P = 0; P < Kc; ++P) {
    const __m256d B0 = _mm256_load_pd(Bp);
    const __m256d B1 = _mm256_load_pd(Bp + 4);
#pragma GCC unroll 6
    for (int I = 0; I < 6; ++I) {
      const __m256d A = _mm256_broadcast_sd(Ap + I);
      Acc[I][0] = _mm256_fmadd_pd(A, B0, Acc[I][0]);
      Acc[I][1] = _mm256_fmadd_pd(A, B1, Acc[I][1]);
    }
    Ap += 6;
    Bp += 8;
  }
#pragma GCC unroll 6
  for (int I = 0; I < 6; ++I) {
    double *Row = C + I * Ldc;
    _mm256_storeu_pd(Row, _mm256_add_pd(_mm256_loadu_pd(Row), Acc[I][0]));
    _mm256_storeu_pd(Row + 4,
                     _mm256_add_pd(_mm256_loadu_pd(Row + 4), Acc[I][1]));
  }
}

bool cpuHasAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif // HYBC_GEMM_X86

} // namespace

template <> MicroKernelFn<float> selectMicroKernel<float>() {
#if HYBC_GEMM_X86
  static const MicroKernelFn<float> Chosen =
      cpuHasAvx2Fma() ? &avx2KernelF32 : &portableKernel<float>;
  return Chosen;
#else
  return &portableKernel<float>;
#endif
}

template <> MicroKernelFn<double> selectMicroKernel<double>() {
#if HYBC_GEMM_X86
  static const MicroKernelFn<double> Chosen =
      cpuHasAvx2Fma() ? &avx2KernelF64 : &portableKernel<double>;
  return Chosen;
#else
  return &portableKernel<double>;
#endif
}

template <> MicroKernelFn<float> portableMicroKernel<float>() {
  return &portableKernel<float>;
}

template <> MicroKernelFn<double> portableMicroKernel<double>() {
  return &portableKernel<double>;
}

} // namespace detail
} // namespace cpu
} // namespace hybc
