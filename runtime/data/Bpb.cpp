//===- runtime/data/Bpb.cpp - Exact val_loss / val_bpb --------------------===//
//
/// \file
/// Byte counting and window planning for the exact Parameter Golf metric
/// (reference `eval_val` and the PG:kc sliding-window eval).
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Bpb.h"
#include "runtime/data/DataError.h"

#include <cmath>
#include <limits>

using namespace llvm;

namespace hybc {
namespace data {

double BpbTotals::valLoss() const {
  if (Tokens <= 0)
    return std::numeric_limits<double>::quiet_NaN();
  return NllSum / Tokens;
}

double BpbTotals::valBpb() const {
  if (Bytes <= 0)
    return std::numeric_limits<double>::quiet_NaN();
  return NllSum / (std::log(2.0) * Bytes);
}

uint64_t countTargetBytes(ArrayRef<uint16_t> Tokens, uint64_t Begin,
                          uint64_t End, const TokenizerLuts &Luts) {
  assert(Begin >= 1 && End <= Tokens.size() && "target range out of bounds");
  uint64_t Sum = 0;
  for (uint64_t I = Begin; I < End; ++I)
    Sum += targetBytes(Tokens[I - 1], Tokens[I], Luts);
  return Sum;
}

uint64_t countWindowBytes(ArrayRef<uint16_t> Tokens, const EvalWindow &W,
                          const TokenizerLuts &Luts) {
  // Window position j predicts target Tokens[Start + j + 1].
  return countTargetBytes(Tokens, W.Start + W.ScoreFrom + 1,
                          W.Start + W.Len + 1, Luts);
}

namespace {

Error checkEvalGeometry(unsigned SeqLen, unsigned Rank, unsigned World) {
  if (SeqLen == 0)
    return dataError("eval: seq_len must be positive (hint: set "
                     "eval_seq_len)");
  if (World == 0 || Rank >= World)
    return dataError("eval: rank " + Twine(Rank) + " is not in [0, " +
                     Twine(World) + ") (hint: check RANK and WORLD_SIZE)");
  return Error::success();
}

/// Rank r's contiguous share [Total·r/World, Total·(r+1)/World).
std::pair<uint64_t, uint64_t> rankRange(uint64_t Total, unsigned Rank,
                                        unsigned World) {
  return {Total * Rank / World, Total * (Rank + 1) / World};
}

} // namespace

Error planStandardWindows(uint64_t NumTargets, unsigned SeqLen, unsigned Rank,
                          unsigned World, SmallVectorImpl<EvalWindow> &Out) {
  Out.clear();
  if (Error E = checkEvalGeometry(SeqLen, Rank, World))
    return E;
  uint64_t Total = NumTargets / SeqLen;
  auto [Begin, End] = rankRange(Total, Rank, World);
  Out.reserve(End - Begin);
  for (uint64_t I = Begin; I < End; ++I)
    Out.push_back(EvalWindow{I * SeqLen, SeqLen, 0});
  return Error::success();
}

Error planSlidingWindows(uint64_t NumTargets, unsigned SeqLen, unsigned Stride,
                         unsigned Rank, unsigned World,
                         SmallVectorImpl<EvalWindow> &Out) {
  Out.clear();
  if (Error E = checkEvalGeometry(SeqLen, Rank, World))
    return E;
  if (Stride == 0 || Stride > SeqLen)
    return dataError("eval: stride " + Twine(Stride) + " must be in [1, "
                     "seq_len " + Twine(SeqLen) + "] (hint: the default "
                     "stride is 64)");
  if (NumTargets == 0)
    return Error::success();
  uint64_t Context = SeqLen - Stride;
  // Starts ws = k·Stride with ws + Context < N, plus ws = 0 always.
  uint64_t Total =
      NumTargets > Context ? (NumTargets - Context - 1) / Stride + 1 : 1;
  auto [Begin, End] = rankRange(Total, Rank, World);
  Out.reserve(End - Begin);
  for (uint64_t K = Begin; K < End; ++K) {
    uint64_t Start = K * Stride;
    uint64_t Len = std::min<uint64_t>(SeqLen, NumTargets - Start);
    uint32_t From = Start == 0 ? 0 : static_cast<uint32_t>(Context);
    Out.push_back(EvalWindow{Start, static_cast<uint32_t>(Len), From});
  }
  return Error::success();
}

} // namespace data
} // namespace hybc
