//===- runtime/data/Bpb.h - Exact val_loss / val_bpb --------------*- C++ -*-===//
//
/// \file
/// The Parameter Golf metric: for each scored target y with preceding token
/// p, `bytes(y) = BaseBytes[y] + (HasLeadingSpace[y] && !IsBoundary[p])`;
/// accumulate Σnll (natural log), the target count and Σbytes in fp64 (sum
/// across ranks with BpbTotals::merge or an fp64 all-reduce of asArray());
/// `val_loss = Σnll / T`, `val_bpb = Σnll / (ln 2 * Σbytes)`.
///
/// Also the eval window planners, so the model side only evaluates windows:
/// a window feeds inputs `Tokens[Start, Start+Len)`, predicts targets
/// `Tokens[Start+1, Start+Len+1)` and scores window positions
/// `[ScoreFrom, Len)`.
///
/// Example:
/// \code
///   llvm::SmallVector<hybc::data::EvalWindow, 0> W;
///   hybc::data::planSlidingWindows(V.numTargets(), 2048, 64, Rank, World, W);
///   hybc::data::BpbTotals T;
///   for (const auto &Win : W) {   // model computes Nll[Win.ScoreFrom..Len)
///     T.add(NllSum, Win.Len - Win.ScoreFrom,
///           hybc::data::countWindowBytes(V.Tokens, Win, Luts));
///   }
///   double Bpb = T.valBpb();
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_BPB_H
#define HYBC_RUNTIME_DATA_BPB_H

#include "runtime/data/TokenizerLuts.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cassert>
#include <cstdint>

namespace hybc {
namespace data {

/// fp64 accumulators of the metric (per rank, then summed).
struct BpbTotals {
  double NllSum = 0; ///< Σ natural-log cross-entropy of scored targets.
  double Tokens = 0; ///< Number of scored targets.
  double Bytes = 0;  ///< Σ bytes(target).

  /// Adds a batch: summed nll, its target count and byte count.
  void add(double Nll, uint64_t NumTargets, uint64_t NumBytes) {
    NllSum += Nll;
    Tokens += static_cast<double>(NumTargets);
    Bytes += static_cast<double>(NumBytes);
  }
  /// Sums another rank's totals into this one.
  void merge(const BpbTotals &O) {
    NllSum += O.NllSum;
    Tokens += O.Tokens;
    Bytes += O.Bytes;
  }
  /// {NllSum, Tokens, Bytes} for an fp64 SUM all-reduce.
  std::array<double, 3> asArray() const { return {NllSum, Tokens, Bytes}; }
  /// Inverse of asArray().
  static BpbTotals fromArray(const std::array<double, 3> &A) {
    BpbTotals T;
    T.NllSum = A[0];
    T.Tokens = A[1];
    T.Bytes = A[2];
    return T;
  }
  /// Mean nll per target (nats); NaN when nothing was scored.
  double valLoss() const;
  /// Bits per byte, Σnll / (ln 2 · Σbytes); NaN when no bytes.
  double valBpb() const;
};

/// Bytes of target \p Target after token \p Prev (ids must be < Luts.size()).
inline unsigned targetBytes(uint16_t Prev, uint16_t Target,
                            const TokenizerLuts &Luts) {
  assert(Target < Luts.size() && Prev < Luts.size() && "token outside LUTs");
  return static_cast<unsigned>(Luts.BaseBytes[Target]) +
         (Luts.HasLeadingSpace[Target] && !Luts.IsBoundary[Prev] ? 1u : 0u);
}

/// Σ bytes of targets `Tokens[I]` for I in [\p Begin, \p End) (Begin >= 1),
/// each after `Tokens[I-1]`.
uint64_t countTargetBytes(llvm::ArrayRef<uint16_t> Tokens, uint64_t Begin,
                          uint64_t End, const TokenizerLuts &Luts);

/// One eval window over the val tokens (see file comment).
struct EvalWindow {
  uint64_t Start = 0;     ///< First input token index.
  uint32_t Len = 0;       ///< Inputs (= predicted targets) in the window.
  uint32_t ScoreFrom = 0; ///< First scored window position.

  bool operator==(const EvalWindow &O) const {
    return Start == O.Start && Len == O.Len && ScoreFrom == O.ScoreFrom;
  }
};

/// Σ bytes of the targets scored by \p W in \p Tokens.
uint64_t countWindowBytes(llvm::ArrayRef<uint16_t> Tokens, const EvalWindow &W,
                          const TokenizerLuts &Luts);

/// Standard eval: `Total = NumTargets / SeqLen` non-overlapping windows
/// (Start = i·L, Len = L, ScoreFrom = 0); rank r gets windows
/// `[Total·r/World, Total·(r+1)/World)`. Replaces \p Out.
llvm::Error planStandardWindows(uint64_t NumTargets, unsigned SeqLen,
                                unsigned Rank, unsigned World,
                                llvm::SmallVectorImpl<EvalWindow> &Out);

/// Sliding eval, PG:kc exactly-once rule: `Context = L - Stride`; starts
/// `0, Stride, 2·Stride, ...` kept while `Start + Context < NumTargets`
/// (start 0 is always kept); `Len = min(L, NumTargets - Start)`; window 0
/// scores [0, Len), others [Context, Len). Windows split contiguously over
/// ranks (`Total·r/World`). Every target is scored exactly once.
llvm::Error planSlidingWindows(uint64_t NumTargets, unsigned SeqLen,
                               unsigned Stride, unsigned Rank, unsigned World,
                               llvm::SmallVectorImpl<EvalWindow> &Out);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_BPB_H
