//===- runtime/cpu/Embedding.cpp - Embedding, BigramHash, SmearGate -------===//
///
/// \file
/// Gather/scatter embedding kernels, the BigramHash index computation and
/// the SmearGate token mix (formulas and script facts in Embedding.h).
/// Example: `embeddingBackward<float>(N, 512, 1024, Ids, DOut, DTable)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Embedding.h"
#include "runtime/cpu/ColumnReduce.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace hybc {
namespace cpu {
namespace {
constexpr int64_t kParallelMin = 16384;

template <typename T> T sigmoid(T X) { return T(1) / (T(1) + std::exp(-X)); }
} // namespace

template <typename T>
void embeddingForward(int64_t N, int64_t Dim, const int32_t *Ids,
                      const T *Table, T *Out) {
#pragma omp parallel for schedule(static) if (N * Dim > kParallelMin)
  for (int64_t I = 0; I < N; ++I) {
    assert(Ids[I] >= 0 && "embedding: negative id");
    const T *Row = Table + static_cast<int64_t>(Ids[I]) * Dim;
    std::copy(Row, Row + Dim, Out + I * Dim);
  }
}

template <typename T>
void embeddingBackward(int64_t N, int64_t Dim, int64_t Vocab,
                       const int32_t *Ids, const T *DOut, T *DTable) {
  // Stable counting sort of token positions by id.
  std::vector<int64_t> Start(static_cast<size_t>(Vocab + 1), 0);
  for (int64_t I = 0; I < N; ++I) {
    assert(Ids[I] >= 0 && Ids[I] < Vocab && "embedding: id out of range");
    ++Start[Ids[I] + 1];
  }
  for (int64_t V = 0; V < Vocab; ++V)
    Start[V + 1] += Start[V];
  std::vector<int64_t> Order(static_cast<size_t>(N));
  std::vector<int64_t> Fill(Start.begin(), Start.end() - 1);
  for (int64_t I = 0; I < N; ++I)
    Order[Fill[Ids[I]]++] = I;
#pragma omp parallel for schedule(static) if (Vocab * Dim > kParallelMin)
  for (int64_t V = 0; V < Vocab; ++V) {
    T *Row = DTable + V * Dim;
    std::fill(Row, Row + Dim, T(0));
    for (int64_t P = Start[V]; P < Start[V + 1]; ++P) {
      const T *Src = DOut + Order[P] * Dim;
#pragma omp simd
      for (int64_t D = 0; D < Dim; ++D)
        Row[D] += Src[D];
    }
  }
}

void bigramHashIndices(int64_t Batch, int64_t Seq, const int32_t *Ids,
                       int64_t Buckets, int32_t *HashIds) {
  assert(Buckets > 0 && "bigram hash: need at least one bucket");
  for (int64_t B = 0; B < Batch; ++B) {
    for (int64_t Pos = 0; Pos < Seq; ++Pos) {
      const int64_t Cur = Ids[B * Seq + Pos];
      const int64_t Prev = Pos == 0 ? 0 : Ids[B * Seq + Pos - 1];
      assert(Cur >= 0 && Prev >= 0 && "bigram hash: negative id");
      HashIds[B * Seq + Pos] =
          static_cast<int32_t>((Prev * kBigramHashMultiplier + Cur) % Buckets);
    }
  }
}

template <typename T>
void bigramHashForward(int64_t Batch, int64_t Seq, int64_t HashDim,
                       int64_t Buckets, const int32_t *Ids, const T *Table,
                       T *Out) {
  std::vector<int32_t> Hash(static_cast<size_t>(Batch * Seq));
  bigramHashIndices(Batch, Seq, Ids, Buckets, Hash.data());
  embeddingForward<T>(Batch * Seq, HashDim, Hash.data(), Table, Out);
}

template <typename T>
void bigramHashBackward(int64_t Batch, int64_t Seq, int64_t HashDim,
                        int64_t Buckets, const int32_t *Ids, const T *DOut,
                        T *DTable) {
  std::vector<int32_t> Hash(static_cast<size_t>(Batch * Seq));
  bigramHashIndices(Batch, Seq, Ids, Buckets, Hash.data());
  embeddingBackward<T>(Batch * Seq, HashDim, Buckets, Hash.data(), DOut,
                       DTable);
}

template <typename T>
void smearGateForward(int64_t Batch, int64_t Seq, int64_t Dim, const T *X,
                      const T *Gate, T *Y) {
  std::vector<T> S(static_cast<size_t>(Dim));
  for (int64_t D = 0; D < Dim; ++D)
    S[D] = sigmoid(Gate[D]);
  const int64_t Rows = Batch * Seq;
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
    const T *Cur = X + R * Dim;
    const bool First = R % Seq == 0;
    for (int64_t D = 0; D < Dim; ++D) {
      const T Prev = First ? T(0) : Cur[D - Dim];
      Y[R * Dim + D] = S[D] * Cur[D] + (T(1) - S[D]) * Prev;
    }
  }
}

template <typename T>
void smearGateBackward(int64_t Batch, int64_t Seq, int64_t Dim, const T *X,
                       const T *Gate, const T *DY, T *DX, T *DGate) {
  std::vector<T> S(static_cast<size_t>(Dim));
  for (int64_t D = 0; D < Dim; ++D)
    S[D] = sigmoid(Gate[D]);
  const int64_t Rows = Batch * Seq;
  detail::columnReduce<T>(
      Rows, Dim,
      [&](int64_t R, double *Acc) {
        const bool First = R % Seq == 0;
        for (int64_t D = 0; D < Dim; ++D) {
          const double Prev = First ? 0.0 : X[(R - 1) * Dim + D];
          const double Ds = static_cast<double>(S[D]) * (1.0 - S[D]);
          Acc[D] += DY[R * Dim + D] * (X[R * Dim + D] - Prev) * Ds;
        }
      },
      DGate);
#pragma omp parallel for schedule(static) if (Rows * Dim > kParallelMin)
  for (int64_t R = 0; R < Rows; ++R) {
    const bool Last = R % Seq == Seq - 1;
    for (int64_t D = 0; D < Dim; ++D) {
      const T Next = Last ? T(0) : DY[(R + 1) * Dim + D];
      DX[R * Dim + D] = S[D] * DY[R * Dim + D] + (T(1) - S[D]) * Next;
    }
  }
}

#define HYBC_INSTANTIATE_EMBEDDING(T)                                          \
  template void embeddingForward<T>(int64_t, int64_t, const int32_t *,         \
                                    const T *, T *);                           \
  template void embeddingBackward<T>(int64_t, int64_t, int64_t,                \
                                     const int32_t *, const T *, T *);         \
  template void bigramHashForward<T>(int64_t, int64_t, int64_t, int64_t,       \
                                     const int32_t *, const T *, T *);         \
  template void bigramHashBackward<T>(int64_t, int64_t, int64_t, int64_t,      \
                                      const int32_t *, const T *, T *);        \
  template void smearGateForward<T>(int64_t, int64_t, int64_t, const T *,      \
                                    const T *, T *);                           \
  template void smearGateBackward<T>(int64_t, int64_t, int64_t, const T *,     \
                                     const T *, const T *, T *, T *);
HYBC_INSTANTIATE_EMBEDDING(float)
HYBC_INSTANTIATE_EMBEDDING(double)
#undef HYBC_INSTANTIATE_EMBEDDING

} // namespace cpu
} // namespace hybc
