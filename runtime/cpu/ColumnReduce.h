//===- runtime/cpu/ColumnReduce.h - Deterministic row sums -----*- C++ -*-===//
///
/// \file
/// Helper for parameter gradients that sum a per-row contribution over many
/// rows (dWeight of RMSNorm, dGain, dMix, dScale, dGate). Rows are cut into
/// fixed chunks of 256 rows that do not depend on the thread count; every
/// chunk accumulates into its own fp64 partial vector in parallel, and the
/// partials are summed in chunk order. The result is therefore bitwise
/// reproducible across runs and OpenMP thread counts. Example:
///
/// \code
///   columnReduce<float>(Rows, Dim, [&](int64_t R, double *Acc) {
///     for (int64_t D = 0; D < Dim; ++D) Acc[D] += DY[R * Dim + D] * X[...];
///   }, DWeight);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_COLUMNREDUCE_H
#define HYBC_RUNTIME_CPU_COLUMNREDUCE_H

#include <algorithm>
#include <cstdint>
#include <vector>

namespace hybc {
namespace cpu {
namespace detail {

/// Out[d] = sum over rows R of the contributions AddRow(R, Acc) adds to
/// Acc[d] (Acc has Dim doubles, zero-initialised per chunk). Out is
/// overwritten.
template <typename T, typename AddRowFn>
void columnReduce(int64_t Rows, int64_t Dim, AddRowFn AddRow, T *Out) {
  constexpr int64_t ChunkRows = 256;
  const int64_t Chunks = (Rows + ChunkRows - 1) / ChunkRows;
  std::vector<double> Partial(static_cast<size_t>(Chunks * Dim), 0.0);
#pragma omp parallel for schedule(static) if (Rows * Dim > 32768)
  for (int64_t Ch = 0; Ch < Chunks; ++Ch) {
    double *Acc = Partial.data() + Ch * Dim;
    const int64_t End = std::min(Rows, (Ch + 1) * ChunkRows);
    for (int64_t R = Ch * ChunkRows; R < End; ++R)
      AddRow(R, Acc);
  }
  std::vector<double> Sum(static_cast<size_t>(Dim), 0.0);
  for (int64_t Ch = 0; Ch < Chunks; ++Ch)
    for (int64_t D = 0; D < Dim; ++D)
      Sum[D] += Partial[Ch * Dim + D];
  for (int64_t D = 0; D < Dim; ++D)
    Out[D] = static_cast<T>(Sum[D]);
}

} // namespace detail
} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_COLUMNREDUCE_H
