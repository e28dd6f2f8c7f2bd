//===- runtime/cpu/GemmKernel.h - GEMM micro-kernels (internal) -*- C++ -*-===//
///
/// \file
/// Register-blocked micro-kernels used by gemm(). A micro-kernel multiplies
/// one packed MR x Kc panel of A by one packed Kc x NR panel of B and adds
/// the MR x NR product into C:
///
///   C[i * Ldc + j] += sum_p Ap[p * MR + i] * Bp[p * NR + j]
///
/// Packed panels are 64-byte aligned. selectMicroKernel() returns the best
/// kernel for the running CPU (AVX2+FMA intrinsics on x86-64 when available,
/// otherwise a portable auto-vectorised kernel). Example:
///
/// \code
///   auto Kernel = detail::selectMicroKernel<float>();
///   Kernel(Kc, PackedA, PackedB, C, Ldc);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_GEMMKERNEL_H
#define HYBC_RUNTIME_CPU_GEMMKERNEL_H

#include <cstdint>

namespace hybc {
namespace cpu {
namespace detail {

/// Register tile and cache blocking sizes per element type.
template <typename T> struct GemmBlocking;

/// Blocking for float (tuned on Zen 3: 32 KiB L1d, 512 KiB L2 per core).
template <> struct GemmBlocking<float> {
  static constexpr int64_t MR = 6;      ///< Micro-tile rows.
  static constexpr int64_t NR = 16;     ///< Micro-tile columns.
  static constexpr int64_t KC = 256;    ///< Depth of a packed panel.
  static constexpr int64_t MC = 120;    ///< Rows of an A block kept in L2.
  static constexpr int64_t NC = 4096;   ///< Columns of a packed B panel.
  static constexpr int64_t JW = 256;    ///< Columns of one parallel work item.
  static constexpr int64_t MBig = 1920; ///< Rows of A packed at once.
};

/// Blocking for double: half-width vectors, so half the tile columns.
template <> struct GemmBlocking<double> {
  static constexpr int64_t MR = 6;
  static constexpr int64_t NR = 8;
  static constexpr int64_t KC = 256;
  static constexpr int64_t MC = 60;
  static constexpr int64_t NC = 2048;
  static constexpr int64_t JW = 128;
  static constexpr int64_t MBig = 960;
};

/// Signature of a micro-kernel (see file comment).
template <typename T>
using MicroKernelFn = void (*)(int64_t Kc, const T *Ap, const T *Bp, T *C,
                               int64_t Ldc);

/// Returns the fastest micro-kernel for this CPU; the choice is made once.
template <typename T> MicroKernelFn<T> selectMicroKernel();

/// Returns the portable micro-kernel (used by tests to cover both paths).
template <typename T> MicroKernelFn<T> portableMicroKernel();

} // namespace detail
} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_GEMMKERNEL_H
