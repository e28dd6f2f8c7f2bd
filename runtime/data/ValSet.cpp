//===- runtime/data/ValSet.cpp - Validation token set ---------------------===//
//
/// \file
/// Loading and truncation of the validation set (reference
/// `load_validation_tokens`).
//
//===----------------------------------------------------------------------===//

#include "runtime/data/ValSet.h"
#include "runtime/data/DataError.h"
#include "runtime/data/Shard.h"

#include "llvm/Support/Path.h"

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace data {

uint64_t valTokensKept(uint64_t RawTokens, unsigned SeqLen,
                       uint64_t MaxTargets) {
  if (RawTokens < 2 || SeqLen == 0)
    return 0;
  uint64_t Seqs = (RawTokens - 1) / SeqLen;
  if (MaxTargets > 0)
    Seqs = std::min<uint64_t>(Seqs, MaxTargets / SeqLen);
  return Seqs == 0 ? 0 : Seqs * SeqLen + 1;
}

Expected<ValSet> makeValSet(std::vector<uint16_t> Tokens, unsigned SeqLen,
                            uint64_t MaxTargets, StringRef What) {
  if (SeqLen == 0)
    return dataError("validation set '" + What + "': seq_len must be "
                     "positive (hint: set the eval sequence length)");
  uint64_t Keep = valTokensKept(Tokens.size(), SeqLen, MaxTargets);
  if (Keep == 0)
    return dataError("validation set '" + What + "' is too short: " +
                     Twine(Tokens.size()) + " tokens for seq_len " +
                     Twine(SeqLen) +
                     (MaxTargets ? " and cap " + Twine(MaxTargets) : Twine()) +
                     " (hint: need at least seq_len+1 tokens; lower seq_len "
                     "or raise the cap)");
  ValSet V;
  V.RawTokens = Tokens.size();
  V.SeqLen = SeqLen;
  Tokens.resize(Keep);
  Tokens.shrink_to_fit();
  V.Tokens = std::move(Tokens);
  return V;
}

Expected<ValSet> loadValSet(StringRef Pattern, unsigned SeqLen,
                            uint64_t MaxTargets) {
  Expected<std::vector<std::string>> Files = expandGlob(Pattern);
  if (!Files)
    return Files.takeError();
  std::vector<uint16_t> All;
  for (const std::string &F : *Files) {
    if (sys::path::filename(F).startswith("fineweb_train_"))
      return dataError("validation pattern '" + Pattern +
                       "' matches train shard '" + F +
                       "' (hint: use DIR/fineweb_val_*.bin)");
    Expected<std::vector<uint16_t>> T = readShard(F);
    if (!T)
      return T.takeError();
    if (All.empty())
      All = std::move(*T);
    else
      All.insert(All.end(), T->begin(), T->end());
  }
  return makeValSet(std::move(All), SeqLen, MaxTargets, Pattern);
}

} // namespace data
} // namespace hybc
