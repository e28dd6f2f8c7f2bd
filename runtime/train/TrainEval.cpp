//===- runtime/train/TrainEval.cpp - Validation with exact val_bpb --------===//
//
// Standard eval (non-overlapping windows of the eval length) or sliding
// windows (train.eval_stride > 0, every target scored exactly once), per
// token nll from the backend, bytes from the tokenizer LUTs, sums in fp64.
//
//===----------------------------------------------------------------------===//
#include "runtime/data/Bpb.h"
#include "runtime/train/TrainRun.h"

#include <algorithm>
#include <map>

using namespace hybc;

namespace {

/// Windows of one length, evaluated in batches.
struct WindowBatcher {
  TrainRun &R;
  data::BpbTotals Totals;

  llvm::Error run(llvm::ArrayRef<data::EvalWindow> Ws, int64_t Len,
                  int64_t MaxBatch) {
    for (size_t I = 0; I < Ws.size(); I += MaxBatch) {
      size_t N = std::min<size_t>(MaxBatch, Ws.size() - I);
      if (llvm::Error E = batch(Ws.slice(I, N), Len))
        return E;
    }
    return llvm::Error::success();
  }

  llvm::Error batch(llvm::ArrayRef<data::EvalWindow> Ws, int64_t Len) {
    const std::vector<uint16_t> &Tok = R.Val.Tokens;
    std::vector<int32_t> X, Y;
    for (const data::EvalWindow &W : Ws)
      for (int64_t K = 0; K < Len; ++K) {
        X.push_back(Tok[W.Start + K]);
        Y.push_back(Tok[W.Start + K + 1]);
      }
    StepShape S;
    S.Batch = static_cast<int64_t>(Ws.size());
    S.Time = Len;
    S.Recurrence = R.recurrenceActive();
    S.Qat = R.Qat->active();
    std::vector<float> Nll(X.size());
    if (llvm::Error E = R.B->evalNll(S, X, Y, R.Store, Nll))
      return E;
    for (size_t B = 0; B < Ws.size(); ++B) {
      double Sum = 0;
      for (int64_t K = Ws[B].ScoreFrom; K < Len; ++K)
        Sum += Nll[B * Len + K];
      Totals.add(Sum, Len - Ws[B].ScoreFrom,
                 data::countWindowBytes(Tok, Ws[B], R.Luts));
    }
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<ValResult> TrainRun::validate() {
  llvm::SmallVector<data::EvalWindow, 0> Ws;
  unsigned L = static_cast<unsigned>(EvalLen);
  llvm::Error E =
      T.EvalStride > 0
          ? data::planSlidingWindows(Val.numTargets(), L,
                                     static_cast<unsigned>(T.EvalStride), 0, 1,
                                     Ws)
          : data::planStandardWindows(Val.numTargets(), L, 0, 1, Ws);
  if (E)
    return E;
  // Group windows by length (sliding eval has short tail windows).
  std::map<int64_t, std::vector<data::EvalWindow>> ByLen;
  for (const data::EvalWindow &W : Ws)
    ByLen[W.Len].push_back(W);
  // Bound the logits buffer (batch * len * vocab floats) on the CPU.
  int64_t Budget = int64_t(1) << 24;
  WindowBatcher WB{*this, {}};
  for (auto &KV : ByLen) {
    int64_t MaxBatch = std::max<int64_t>(
        1, std::min<int64_t>(T.ValBatchTokens / KV.first,
                             Budget / (KV.first * M.S.Model.Vocab)));
    if (llvm::Error E2 = WB.run(KV.second, KV.first, MaxBatch))
      return E2;
  }
  ValResult V;
  V.Loss = WB.Totals.valLoss();
  V.Bpb = WB.Totals.valBpb();
  V.Tokens = WB.Totals.Tokens;
  V.Bytes = WB.Totals.Bytes;
  return V;
}
