//===- runtime/cpu/Embedding.h - Embedding, bigram hash, smear -*- C++ -*-===//
///
/// \file
/// The input side of the PG models (train_nemotron_hybrid.py
/// `GPT._embed`): x = tok_emb[ids] (+ BigramHash(ids)) -> SmearGate ->
/// RMSNorm.
///
/// Embedding: Out[n,:] = Table[Ids[n],:]; the backward scatter-adds dOut
/// rows into dTable deterministically (tokens are bucketed by id with a
/// stable counting sort, then each table row sums its tokens in token order,
/// independent of the thread count).
///
/// BigramHash (`BigramHash.forward`, identical in train_nemotron_hybrid.py
/// and train_mamba3_hybrid.py): for ids (Batch, Seq),
///   prev[b,t] = ids[b,t-1] for t >= 1 and 0 for t = 0 (a zero column is
///   concatenated in front, per sequence),
///   h[b,t] = (prev[b,t] * 92821 + ids[b,t]) mod Buckets   (int64, no XOR);
/// the PREVIOUS token is the multiplied one. The module output is
/// proj(table[h]) with a bias-free (HashDim -> ModelDim) linear; the
/// projection is a separate GEMM, these kernels cover the hash and table.
///
/// SmearGate (`SmearGate.forward`, train_nemotron_hybrid.py only; the
/// mamba3 hybrid script has none): gate g (Dim) init 3.0, s = sigmoid(g),
///   y[b,t] = s * x[b,t] + (1 - s) * x[b,t-1],  x[b,-1] = 0 (zero at t = 0),
/// applied after the BigramHash add and before the RMSNorm. Example:
///
/// \code
///   bigramHashIndices(B, T, Ids, 4096, HashIds);
///   embeddingForward<float>(B * T, 128, HashIds, Table, Hashed);
///   smearGateForward<float>(B, T, 512, X, Gate, Y);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_EMBEDDING_H
#define HYBC_RUNTIME_CPU_EMBEDDING_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Multiplier of the previous token in the BigramHash hash.
constexpr int64_t kBigramHashMultiplier = 92821;

/// Out[n,:] = Table[Ids[n],:] for n < N; Dim columns. Ids must be in range.
template <typename T>
void embeddingForward(int64_t N, int64_t Dim, const int32_t *Ids,
                      const T *Table, T *Out);

/// DTable (Vocab, Dim) = sum over n with Ids[n] == v of DOut[n,:];
/// overwritten (rows without tokens become zero), deterministic.
template <typename T>
void embeddingBackward(int64_t N, int64_t Dim, int64_t Vocab,
                       const int32_t *Ids, const T *DOut, T *DTable);

/// HashIds[b,t] = (prev * 92821 + Ids[b,t]) mod Buckets with prev =
/// Ids[b,t-1] (0 at t = 0). Ids must be non-negative.
void bigramHashIndices(int64_t Batch, int64_t Seq, const int32_t *Ids,
                       int64_t Buckets, int32_t *HashIds);

/// Out (Batch*Seq, HashDim) = Table[hash(prev, cur)] (gather of the table;
/// the projection is applied by the caller).
template <typename T>
void bigramHashForward(int64_t Batch, int64_t Seq, int64_t HashDim,
                       int64_t Buckets, const int32_t *Ids, const T *Table,
                       T *Out);

/// DTable (Buckets, HashDim) = scatter-add of DOut by hashed id
/// (overwritten, deterministic).
template <typename T>
void bigramHashBackward(int64_t Batch, int64_t Seq, int64_t HashDim,
                        int64_t Buckets, const int32_t *Ids, const T *DOut,
                        T *DTable);

/// Y[b,t] = s * X[b,t] + (1 - s) * X[b,t-1] (X[b,-1] = 0), s =
/// sigmoid(Gate). X, Y (Batch, Seq, Dim); Y must not alias X.
template <typename T>
void smearGateForward(int64_t Batch, int64_t Seq, int64_t Dim, const T *X,
                      const T *Gate, T *Y);

/// dX[b,t] = s * dY[b,t] + (1 - s) * dY[b,t+1] (dY[b,Seq] = 0);
/// dGate[d] = sum_{b,t} dY[b,t,d] * (X[b,t,d] - X[b,t-1,d]) * s * (1 - s).
/// DX must not alias DY.
template <typename T>
void smearGateBackward(int64_t Batch, int64_t Seq, int64_t Dim, const T *X,
                       const T *Gate, const T *DY, T *DX, T *DGate);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_EMBEDDING_H
