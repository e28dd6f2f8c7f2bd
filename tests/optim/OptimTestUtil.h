//===- tests/optim/OptimTestUtil.h - Helpers for optim tests ----*- C++ -*-===//
///
/// \file
/// Deterministic random matrices, a float64 Newton-Schulz reference and
/// singular values via a cyclic Jacobi eigen-solver (fp64).
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_OPTIM_OPTIMTESTUTIL_H
#define HYBC_TESTS_OPTIM_OPTIMTESTUTIL_H

#include <cstdint>
#include <vector>

namespace hybc {
namespace optim {
namespace test {

/// N(0, Std) samples from a fixed-seed generator.
std::vector<float> randomMatrix(int64_t Rows, int64_t Cols, uint32_t Seed,
                                float Std = 1.0f);

/// Float64 Newton-Schulz-5 of \p G with the same iteration (no rounding).
std::vector<double> newtonSchulzF64(const std::vector<float> &G, int64_t Rows,
                                    int64_t Cols, int Steps, bool EqR);

/// Singular values (descending) of the Rows x Cols matrix \p X.
std::vector<double> singularValues(const std::vector<float> &X, int64_t Rows,
                                   int64_t Cols);

} // namespace test
} // namespace optim
} // namespace hybc

#endif // HYBC_TESTS_OPTIM_OPTIMTESTUTIL_H
