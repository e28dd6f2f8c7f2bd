//===- runtime/cpu/Gemm.h - Blocked, packed, OpenMP GEMM --------*- C++ -*-===//
///
/// \file
/// General matrix multiply over row-major raw pointers, the workhorse of the
/// CPU reference runtime (projections, logits, their backward passes).
///
///   C = Alpha * op(A) * op(B) + Beta * C
///
/// with op(A) of shape (M, K), op(B) of shape (K, N) and C of shape (M, N).
/// op(X) = X when the transpose flag is false and X^T otherwise; leading
/// dimensions are row strides of the matrices as stored. Example, the forward
/// of a bias-free linear layer y = x W^T with x (Rows, In) and W (Out, In):
///
/// \code
///   gemm<float>(false, true, Rows, Out, In, 1.0f, X, In, W, In, 0.0f, Y, Out);
/// \endcode
///
/// The implementation packs A and B into cache-sized panels (GotoBLAS/BLIS
/// style) and runs a register-blocked micro-kernel; on x86-64 CPUs with
/// AVX2+FMA an intrinsic kernel is selected at run time, elsewhere a portable
/// kernel that the compiler auto-vectorises. Work is split over OpenMP
/// threads by (row block, column chunk) tiles. Accumulation is in T. When
/// Beta == 0, C is overwritten (NaNs in C are not propagated).
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_GEMM_H
#define HYBC_RUNTIME_CPU_GEMM_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Computes C = Alpha * op(A) * op(B) + Beta * C (row-major, see file
/// comment). Instantiated for float and double. M, N, K may be zero.
template <typename T>
void gemm(bool TransA, bool TransB, int64_t M, int64_t N, int64_t K, T Alpha,
          const T *A, int64_t Lda, const T *B, int64_t Ldb, T Beta, T *C,
          int64_t Ldc);

/// Straightforward triple-loop GEMM with the same contract as gemm(),
/// accumulating in double. Slow; used as a test oracle.
template <typename T>
void gemmNaive(bool TransA, bool TransB, int64_t M, int64_t N, int64_t K,
               T Alpha, const T *A, int64_t Lda, const T *B, int64_t Ldb,
               T Beta, T *C, int64_t Ldc);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_GEMM_H
