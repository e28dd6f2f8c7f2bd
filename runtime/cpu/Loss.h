//===- runtime/cpu/Loss.h - Softcapped cross-entropy ------------*- C++ -*-===//
///
/// \file
/// The PG output loss, fused: logits (N, Vocab) from the tied-embedding GEMM
/// are soft-capped and scored with mean cross-entropy against Targets (N):
///
///   z[n,v] = Cap * tanh(logit[n,v] / Cap)        (identity when Cap <= 0)
///   nll[n] = logsumexp_v(z[n,:]) - z[n, target[n]]
///   loss   = (1 / N) * sum_n nll[n]
///
/// The log-sum-exp subtracts the row maximum (numerically stable). The mean
/// is accumulated in double in row order (deterministic); per-row nll (for
/// val_bpb's byte-weighted sums) can be returned as well. The backward
/// produces gradients w.r.t. the PRE-softcap logits:
///
///   dlogit[n,v] = dLoss / N * (softmax(z[n,:])_v - [v == target[n]])
///                 * (1 - (z[n,v] / Cap)^2)
///
/// Rows are processed in parallel. Example:
///
/// \code
///   double Loss = softcapCrossEntropyForward<float>(N, V, Logits, Targets,
///                                                   30.0f, nullptr);
///   softcapCrossEntropyBackward<float>(N, V, Logits, Targets, 30.0f, 1.0,
///                                      DLogits);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_LOSS_H
#define HYBC_RUNTIME_CPU_LOSS_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Returns the mean softcapped cross-entropy over N rows (0 when N == 0).
/// RowNll (N) receives each row's nll when non-null. Targets must lie in
/// [0, Vocab).
template <typename T>
double softcapCrossEntropyForward(int64_t N, int64_t Vocab, const T *Logits,
                                  const int32_t *Targets, T Cap, T *RowNll);

/// Writes dLoss/dLogits (pre-softcap) for loss = mean nll scaled by DLoss.
/// DLogits may alias Logits.
template <typename T>
void softcapCrossEntropyBackward(int64_t N, int64_t Vocab, const T *Logits,
                                 const int32_t *Targets, T Cap, double DLoss,
                                 T *DLogits);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_LOSS_H
