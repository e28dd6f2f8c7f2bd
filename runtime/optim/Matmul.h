//===- runtime/optim/Matmul.h - Private GEMM for Newton-Schulz --*- C++ -*-===//
///
/// \file
/// A small blocked fp32 matrix product used only by the Muon Newton-Schulz
/// iteration. It is deliberately private to hybc_runtime_optim (namespace
/// `detail`) so that it can later be swapped for runtime/cpu's Gemm.
///
/// Every output element is one fp32 accumulator summed over k in increasing
/// order, and threads split the output by rows only, so results are
/// bit-identical for any OpenMP thread count.
///
/// Example:
/// \code
///   // C (2x2) = A (2x3) * B (3x2), all row-major.
///   hybc::optim::detail::matmul(A, B, C, 2, 3, 2);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_MATMUL_H
#define HYBC_RUNTIME_OPTIM_MATMUL_H

#include <cstdint>

namespace hybc {
namespace optim {
namespace detail {

/// C[M x N] = A[M x K] * B[K x N]; all row-major and densely packed. C must
/// not alias A or B.
void matmul(const float *A, const float *B, float *C, int64_t M, int64_t K,
            int64_t N);

/// Out[Cols x Rows] = transpose of In[Rows x Cols]; Out must not alias In.
void transpose(const float *In, float *Out, int64_t Rows, int64_t Cols);

} // namespace detail
} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_MATMUL_H
