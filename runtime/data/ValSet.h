//===- runtime/data/ValSet.h - Validation token set --------------*- C++ -*-===//
//
/// \file
/// The validation set: all `fineweb_val_*.bin` shards concatenated in sorted
/// order and truncated to `((N-1)/L)*L + 1` tokens so the number of scored
/// targets is a multiple of the eval sequence length L. An optional cap
/// keeps only the first `floor(Cap/L)*L` targets (quick evals).
///
/// Example:
/// \code
///   auto V = hybc::data::loadValSet("data/sample/fineweb_val_*.bin", 1024);
///   if (!V) return V.takeError();
///   uint64_t Targets = V->numTargets();   // 1,039,360 for the sample
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_VALSET_H
#define HYBC_RUNTIME_DATA_VALSET_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace hybc {
namespace data {

/// Validation tokens: Tokens[0..numTargets()] with target i = Tokens[i+1]
/// predicted from Tokens[0..i].
struct ValSet {
  std::vector<uint16_t> Tokens; ///< Truncated concatenation of val shards.
  unsigned SeqLen = 0;          ///< L used for the truncation.
  uint64_t RawTokens = 0;       ///< Token count before truncation.

  /// Number of scored targets (a multiple of SeqLen).
  uint64_t numTargets() const { return Tokens.empty() ? 0 : Tokens.size() - 1; }
  /// Number of non-overlapping sequences of SeqLen.
  uint64_t numSeqs() const { return SeqLen ? numTargets() / SeqLen : 0; }
};

/// Number of tokens kept from \p RawTokens for sequence length \p SeqLen and
/// an optional target cap \p MaxTargets (0 = none): `T*L + 1` with
/// `T = min((Raw-1)/L, MaxTargets/L)`. Returns 0 when not even one sequence
/// fits.
uint64_t valTokensKept(uint64_t RawTokens, unsigned SeqLen,
                       uint64_t MaxTargets = 0);

/// Builds a ValSet from already concatenated \p Tokens (see valTokensKept);
/// \p What names the source in errors.
llvm::Expected<ValSet> makeValSet(std::vector<uint16_t> Tokens,
                                  unsigned SeqLen, uint64_t MaxTargets,
                                  llvm::StringRef What);

/// Loads and truncates the val shards matching \p Pattern. Refuses train
/// shards (`fineweb_train_*`) in the match.
llvm::Expected<ValSet> loadValSet(llvm::StringRef Pattern, unsigned SeqLen,
                                  uint64_t MaxTargets = 0);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_VALSET_H
