//===- compiler/passes/UnrollRecurrence.cpp - Virtual layer schedule ------===//
//
// Expands the depth-recurrence segment into the virtual layer sequence and
// decides, per decoder step, which U-Net skip weight (if any) is used. The
// three skip rules of Spec.h (stack, drop, clamp) reproduce the PG baseline,
// PR #1644 and the seed PR #1607 exactly, including their shrinking-stack
// comparisons.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

std::vector<int> virtualOrder(const Model &M, bool Active) {
  const ModelSpec &MS = M.S.Model;
  int N = static_cast<int>(MS.Layers.size());
  std::vector<int> Order;
  for (int I = 0; I < N; ++I)
    Order.push_back(I);
  if (!Active || !MS.Recurrence.Enabled)
    return Order;
  const RecurrenceSpec &R = MS.Recurrence;
  std::vector<int> Out(Order.begin(), Order.begin() + R.Last + 1);
  for (int64_t Rep = 0; Rep < R.Repeats; ++Rep)
    for (int64_t L = R.First; L <= R.Last; ++L)
      Out.push_back(static_cast<int>(L));
  Out.insert(Out.end(), Order.begin() + R.Last + 1, Order.end());
  return Out;
}

/// Simulates the decoder's use of the skip stack for one rule.
void assignSkips(const Model &M, VirtualSchedule &S) {
  int NumWeights = M.NumSkipWeights;
  if (!M.S.Model.Skips.Enabled || NumWeights == 0)
    return;
  SkipOverflow Rule = M.S.Model.Skips.Overflow;
  int Stack = S.NumEncoder, Applied = 0;
  for (size_t V = S.NumEncoder; V < S.Layers.size(); ++V) {
    VirtualLayer &L = S.Layers[V];
    int I = static_cast<int>(V) - S.NumEncoder;
    if (Rule == SkipOverflow::Stack) {
      if (Stack > 0 && I < NumWeights) {
        L.PopsSkip = true;
        L.SkipWeight = I;
        --Stack;
      }
    } else if (Rule == SkipOverflow::Drop) {
      if (I < Stack && I < NumWeights) {
        L.PopsSkip = true;
        L.SkipWeight = I;
        --Stack;
      } else if (Stack > 0) {
        L.PopsSkip = true; // popped and discarded
        --Stack;
      }
    } else {
      if (Applied < Stack) {
        L.PopsSkip = true;
        L.SkipWeight = std::min(Applied, NumWeights - 1);
        --Stack;
        ++Applied;
      }
    }
  }
}

} // namespace

VirtualSchedule hybc::unrollRecurrence(const Model &M, bool Active) {
  VirtualSchedule S;
  S.RecurrenceActive = Active && M.S.Model.Recurrence.Enabled;
  std::vector<int> Order = virtualOrder(M, S.RecurrenceActive);
  S.NumEncoder = M.S.Model.Skips.Enabled ? static_cast<int>(Order.size()) / 2
                                         : 0;
  std::map<int, int> Uses;
  for (size_t V = 0; V < Order.size(); ++V) {
    VirtualLayer L;
    L.Physical = Order[V];
    L.Repeat = Uses[Order[V]]++;
    L.Decoder = static_cast<int>(V) >= S.NumEncoder;
    S.Layers.push_back(L);
  }
  assignSkips(M, S);
  return S;
}
