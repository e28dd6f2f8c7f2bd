//===- runtime/cpu/Loss.cpp - Softcapped cross-entropy --------------------===//
///
/// \file
/// Fused softcap + log-softmax + nll (formulas in Loss.h). Each row is
/// soft-capped into a per-thread scratch row, then reduced with the max
/// trick. Example:
/// `softcapCrossEntropyBackward<double>(N, V, Logits, Targets, 30.0, 1.0, DL)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Loss.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace hybc {
namespace cpu {
namespace {

/// Z = softcap(Row); returns the row maximum of Z.
template <typename T> T softcapRow(int64_t Vocab, const T *Row, T Cap, T *Z) {
  if (Cap > T(0)) {
    const T InvCap = T(1) / Cap;
    for (int64_t V = 0; V < Vocab; ++V)
      Z[V] = Cap * std::tanh(Row[V] * InvCap);
  } else {
    std::copy(Row, Row + Vocab, Z);
  }
  T Max = Z[0];
  for (int64_t V = 1; V < Vocab; ++V)
    Max = std::max(Max, Z[V]);
  return Max;
}

/// Sum of exp(Z - Max) over the row.
template <typename T> T sumExp(int64_t Vocab, const T *Z, T Max) {
  T Sum = T(0);
#pragma omp simd reduction(+ : Sum)
  for (int64_t V = 0; V < Vocab; ++V)
    Sum += std::exp(Z[V] - Max);
  return Sum;
}

} // namespace

template <typename T>
double softcapCrossEntropyForward(int64_t N, int64_t Vocab, const T *Logits,
                                  const int32_t *Targets, T Cap, T *RowNll) {
  if (N == 0)
    return 0.0;
  assert(Vocab > 0 && "cross-entropy: empty vocabulary");
  std::vector<double> Nll(static_cast<size_t>(N));
#pragma omp parallel if (N * Vocab > 32768)
  {
    std::vector<T> Z(static_cast<size_t>(Vocab));
#pragma omp for schedule(static)
    for (int64_t Row = 0; Row < N; ++Row) {
      const int32_t Target = Targets[Row];
      assert(Target >= 0 && Target < Vocab && "cross-entropy: bad target");
      const T Max = softcapRow(Vocab, Logits + Row * Vocab, Cap, Z.data());
      const T Lse = Max + std::log(sumExp(Vocab, Z.data(), Max));
      const T RowLoss = Lse - Z[Target];
      Nll[Row] = static_cast<double>(RowLoss);
      if (RowNll)
        RowNll[Row] = RowLoss;
    }
  }
  double Sum = 0.0;
  for (double V : Nll)
    Sum += V;
  return Sum / static_cast<double>(N);
}

template <typename T>
void softcapCrossEntropyBackward(int64_t N, int64_t Vocab, const T *Logits,
                                 const int32_t *Targets, T Cap, double DLoss,
                                 T *DLogits) {
  if (N == 0)
    return;
  const T Scale = static_cast<T>(DLoss / static_cast<double>(N));
  const T InvCap = Cap > T(0) ? T(1) / Cap : T(0);
#pragma omp parallel if (N * Vocab > 32768)
  {
    std::vector<T> Z(static_cast<size_t>(Vocab));
#pragma omp for schedule(static)
    for (int64_t Row = 0; Row < N; ++Row) {
      const T Max = softcapRow(Vocab, Logits + Row * Vocab, Cap, Z.data());
      const T Inv = T(1) / sumExp(Vocab, Z.data(), Max);
      T *Out = DLogits + Row * Vocab;
      for (int64_t V = 0; V < Vocab; ++V) {
        const T Th = Z[V] * InvCap; // tanh(logit / Cap); 0 without softcap.
        const T Dz = Scale * std::exp(Z[V] - Max) * Inv;
        Out[V] = Dz * (T(1) - Th * Th);
      }
      const T Th = Z[Targets[Row]] * InvCap;
      Out[Targets[Row]] -= Scale * (T(1) - Th * Th);
    }
  }
}

#define HYBC_INSTANTIATE_LOSS(T)                                               \
  template double softcapCrossEntropyForward<T>(int64_t, int64_t, const T *,   \
                                                const int32_t *, T, T *);      \
  template void softcapCrossEntropyBackward<T>(                                \
      int64_t, int64_t, const T *, const int32_t *, T, double, T *);
HYBC_INSTANTIATE_LOSS(float)
HYBC_INSTANTIATE_LOSS(double)
#undef HYBC_INSTANTIATE_LOSS

} // namespace cpu
} // namespace hybc
