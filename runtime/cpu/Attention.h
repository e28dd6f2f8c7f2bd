//===- runtime/cpu/Attention.h - Causal GQA softmax attention ---*- C++ -*-===//
///
/// \file
/// Causal scaled-dot-product attention with grouped-query attention, the
/// CPU counterpart of F.scaled_dot_product_attention(is_causal=True,
/// enable_gqa=True) in the PG scripts, on (Batch, Seq, Heads, HeadDim)
/// row-major tensors (the layout before the scripts' transpose(1, 2)):
///
///   Q (B, T, Hq, D), K and V (B, T, Hkv, D), O (B, T, Hq, D)
///   kv head of q head h: h / (Hq / Hkv)        (Hq % Hkv == 0)
///   s_ij = Scale * <q_i, k_j> for j <= i,  p_ij = softmax_j(s_ij)
///   o_i = sum_j p_ij v_j,   Lse[b, h, i] = log sum_{j<=i} exp(s_ij)
///
/// SDPA's default Scale is 1 / sqrt(D). The backward recomputes p from the
/// saved log-sum-exp (flash-attention style) and produces dQ, dK, dV; dK and
/// dV of a kv head sum the contributions of all q heads in its group. The
/// forward is parallel over (b, q head), the backward over (b, kv head), so
/// every output is written by one thread in a fixed order (deterministic).
/// Example:
///
/// \code
///   AttentionDims Dims{B, T, 8, 4, 64};
///   attentionForward<float>(Dims, 0.125f, Q, K, V, O, Lse);
///   attentionBackward<float>(Dims, 0.125f, Q, K, V, O, Lse, DO, DQ, DK, DV);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_ATTENTION_H
#define HYBC_RUNTIME_CPU_ATTENTION_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Shape of an attention call.
struct AttentionDims {
  int64_t Batch;   ///< B
  int64_t Seq;     ///< T (queries and keys)
  int64_t QHeads;  ///< Hq
  int64_t KvHeads; ///< Hkv, divides Hq
  int64_t HeadDim; ///< D
};

/// Causal GQA attention forward; writes O (B, T, Hq, D) and Lse (B, Hq, T).
/// Lse may be null when no backward follows.
template <typename T>
void attentionForward(const AttentionDims &Dims, T Scale, const T *Q,
                      const T *K, const T *V, T *O, T *Lse);

/// Backward of attentionForward given the forward's O and Lse and the
/// upstream dO; overwrites dQ (B, T, Hq, D), dK and dV (B, T, Hkv, D).
template <typename T>
void attentionBackward(const AttentionDims &Dims, T Scale, const T *Q,
                       const T *K, const T *V, const T *O, const T *Lse,
                       const T *DO, T *DQ, T *DK, T *DV);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_ATTENTION_H
