//===- runtime/cpu/Attention.cpp - Causal GQA softmax attention -----------===//
///
/// \file
/// Row-by-row causal attention (formulas in Attention.h). The forward keeps
/// one query row's scores in a scratch vector; the backward recomputes the
/// probabilities from the saved log-sum-exp and accumulates dK/dV of a kv
/// head over the q heads of its group in a fixed order. Example:
/// `attentionForward<double>(Dims, 1.0 / std::sqrt(64.0), Q, K, V, O, Lse)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

namespace hybc {
namespace cpu {
namespace {

template <typename T> T dot(int64_t N, const T *A, const T *B) {
  T Sum = T(0);
#pragma omp simd reduction(+ : Sum)
  for (int64_t I = 0; I < N; ++I)
    Sum += A[I] * B[I];
  return Sum;
}

template <typename T> void axpy(int64_t N, T Alpha, const T *X, T *Y) {
#pragma omp simd
  for (int64_t I = 0; I < N; ++I)
    Y[I] += Alpha * X[I];
}

/// Offsets of token (B, Pos), head H in a (Batch, Seq, Heads, D) tensor.
int64_t offsetOf(const AttentionDims &Dims, int64_t B, int64_t Pos,
                 int64_t Heads, int64_t H) {
  return ((B * Dims.Seq + Pos) * Heads + H) * Dims.HeadDim;
}

/// Forward for one (batch, q head) pair.
template <typename T>
void forwardHead(const AttentionDims &Dims, T Scale, int64_t B, int64_t H,
                 const T *Q, const T *K, const T *V, T *O, T *Lse,
                 std::vector<T> &Scores) {
  const int64_t D = Dims.HeadDim;
  const int64_t Hk = H / (Dims.QHeads / Dims.KvHeads);
  for (int64_t I = 0; I < Dims.Seq; ++I) {
    const T *QRow = Q + offsetOf(Dims, B, I, Dims.QHeads, H);
    T Max = -std::numeric_limits<T>::infinity();
    for (int64_t J = 0; J <= I; ++J) {
      const T *KRow = K + offsetOf(Dims, B, J, Dims.KvHeads, Hk);
      Scores[J] = Scale * dot(D, QRow, KRow);
      Max = std::max(Max, Scores[J]);
    }
    T Sum = T(0);
    for (int64_t J = 0; J <= I; ++J) {
      Scores[J] = std::exp(Scores[J] - Max);
      Sum += Scores[J];
    }
    T *ORow = O + offsetOf(Dims, B, I, Dims.QHeads, H);
    std::fill(ORow, ORow + D, T(0));
    const T Inv = T(1) / Sum;
    for (int64_t J = 0; J <= I; ++J)
      axpy(D, Scores[J] * Inv, V + offsetOf(Dims, B, J, Dims.KvHeads, Hk),
           ORow);
    if (Lse)
      Lse[(B * Dims.QHeads + H) * Dims.Seq + I] = Max + std::log(Sum);
  }
}

/// Backward contributions of q head H (batch B) to dQ (written) and to the
/// dK/dV rows of its kv head (accumulated).
template <typename T>
void backwardHead(const AttentionDims &Dims, T Scale, int64_t B, int64_t H,
                  const T *Q, const T *K, const T *V, const T *O, const T *Lse,
                  const T *DO, T *DQ, T *DK, T *DV) {
  const int64_t D = Dims.HeadDim;
  const int64_t Hk = H / (Dims.QHeads / Dims.KvHeads);
  for (int64_t I = 0; I < Dims.Seq; ++I) {
    const int64_t QOff = offsetOf(Dims, B, I, Dims.QHeads, H);
    const T *QRow = Q + QOff, *DORow = DO + QOff;
    T *DQRow = DQ + QOff;
    const T L = Lse[(B * Dims.QHeads + H) * Dims.Seq + I];
    const T Delta = dot(D, DORow, O + QOff);
    std::fill(DQRow, DQRow + D, T(0));
    for (int64_t J = 0; J <= I; ++J) {
      const int64_t KOff = offsetOf(Dims, B, J, Dims.KvHeads, Hk);
      const T P = std::exp(Scale * dot(D, QRow, K + KOff) - L);
      const T DS = P * (dot(D, DORow, V + KOff) - Delta);
      axpy(D, Scale * DS, K + KOff, DQRow);
      axpy(D, Scale * DS, QRow, DK + KOff);
      axpy(D, P, DORow, DV + KOff);
    }
  }
}

void checkDims(const AttentionDims &Dims) {
  assert(Dims.KvHeads > 0 && Dims.QHeads % Dims.KvHeads == 0 &&
         "attention: QHeads must be a multiple of KvHeads");
  (void)Dims;
}

} // namespace

template <typename T>
void attentionForward(const AttentionDims &Dims, T Scale, const T *Q,
                      const T *K, const T *V, T *O, T *Lse) {
  checkDims(Dims);
  const int64_t Tasks = Dims.Batch * Dims.QHeads;
#pragma omp parallel if (Tasks > 1 && Dims.Seq * Dims.Seq * Tasks > 4096)
  {
    std::vector<T> Scores(static_cast<size_t>(Dims.Seq));
#pragma omp for schedule(dynamic, 1)
    for (int64_t Task = 0; Task < Tasks; ++Task)
      forwardHead(Dims, Scale, Task / Dims.QHeads, Task % Dims.QHeads, Q, K, V,
                  O, Lse, Scores);
  }
}

template <typename T>
void attentionBackward(const AttentionDims &Dims, T Scale, const T *Q,
                       const T *K, const T *V, const T *O, const T *Lse,
                       const T *DO, T *DQ, T *DK, T *DV) {
  checkDims(Dims);
  const int64_t Group = Dims.QHeads / Dims.KvHeads;
  const int64_t Tasks = Dims.Batch * Dims.KvHeads;
#pragma omp parallel for schedule(dynamic, 1) if (Tasks > 1)
  for (int64_t Task = 0; Task < Tasks; ++Task) {
    const int64_t B = Task / Dims.KvHeads, Hk = Task % Dims.KvHeads;
    for (int64_t Pos = 0; Pos < Dims.Seq; ++Pos) {
      const int64_t KOff = offsetOf(Dims, B, Pos, Dims.KvHeads, Hk);
      std::fill(DK + KOff, DK + KOff + Dims.HeadDim, T(0));
      std::fill(DV + KOff, DV + KOff + Dims.HeadDim, T(0));
    }
    for (int64_t G = 0; G < Group; ++G)
      backwardHead(Dims, Scale, B, Hk * Group + G, Q, K, V, O, Lse, DO, DQ, DK,
                   DV);
  }
}

#define HYBC_INSTANTIATE_ATTENTION(T)                                          \
  template void attentionForward<T>(const AttentionDims &, T, const T *,       \
                                    const T *, const T *, T *, T *);           \
  template void attentionBackward<T>(const AttentionDims &, T, const T *,      \
                                     const T *, const T *, const T *,          \
                                     const T *, const T *, T *, T *, T *);
HYBC_INSTANTIATE_ATTENTION(float)
HYBC_INSTANTIATE_ATTENTION(double)
#undef HYBC_INSTANTIATE_ATTENTION

} // namespace cpu
} // namespace hybc
