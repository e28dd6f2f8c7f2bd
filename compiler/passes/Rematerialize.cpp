//===- compiler/passes/Rematerialize.cpp - Recompute cheap row values -----===//
///
/// \file
/// rematerialize: a forward value that the backward reads only as a GEMM
/// operand (the input of a weight-gradient matmul), produced by a cheap
/// row op whose own input the backward keeps alive anyway, is recomputed
/// just before its first backward use instead of being kept from the
/// forward. It trades one element-wise kernel for a saved activation, as
/// torch.compile's min-cut partitioner does. Example (baseline GPT block):
/// \code
///   %12 = rms_norm(%11)               // forward: feeds the q/k/v GEMMs
///   ...                               // loss
///   %401 = rms_norm_bwd(%400, %11)    // keeps %11 alive
///   %402 = rms_norm(%11)              // recomputed here
///   %403 = matmul(%399, %402) {ta=1}  // dW_q reads %402, not %12
/// \endcode
/// %12 now dies in the forward. Values are recomputed bit-identically (the
/// same op on the same input), so results do not change.
///
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <vector>

using namespace hybc;
using namespace hybc::ir;

namespace {

bool cheapRowOp(OpKind K, const RematOptions &O) {
  if (K == OpKind::RmsNorm)
    return O.Norms;
  return O.Activations && (K == OpKind::Relu2 || K == OpKind::LeakyRelu2 ||
                           K == OpKind::Silu);
}

struct Use {
  Op *User;
  unsigned Operand;
  size_t Pos;
};

/// A forward op worth recomputing and the backward uses to redirect.
struct Candidate {
  const Op *Def;
  llvm::SmallVector<Use, 4> Late;
};

std::vector<Candidate> findCandidates(const Graph &G, size_t LossPos,
                                      const RematOptions &RO) {
  llvm::DenseMap<const Value *, llvm::SmallVector<Use, 4>> Uses;
  auto Ops = G.ops();
  for (size_t P = 0; P < Ops.size(); ++P)
    for (unsigned I = 0; I < Ops[P]->numOperands(); ++I)
      Uses[Ops[P]->operand(I)].push_back({Ops[P].get(), I, P});
  std::vector<Candidate> Out;
  for (size_t P = 0; P < LossPos; ++P) {
    const Op &O = *Ops[P];
    const Value *X = O.numOperands() == 1 ? O.operand(0) : nullptr;
    if (!cheapRowOp(O.kind(), RO) || O.numResults() != 1 || !X ||
        X->def()->kind() == OpKind::ParamRef)
      continue;
    bool InputLive = false;
    for (const Use &U : Uses.lookup(X))
      InputLive |= U.Pos > LossPos;
    Candidate C{&O, {}};
    bool OnlyGemms = true;
    for (const Use &U : Uses.lookup(O.result()))
      if (U.Pos > LossPos) {
        C.Late.push_back(U);
        OnlyGemms &= U.User->kind() == OpKind::MatMul;
      }
    if (InputLive && OnlyGemms && !C.Late.empty())
      Out.push_back(std::move(C));
  }
  return Out;
}

} // namespace

unsigned hybc::rematerialize(Graph &G, const RematOptions &RO) {
  if (!G.Output)
    return 0;
  auto Ops = G.ops();
  size_t LossPos = 0;
  while (LossPos < Ops.size() && Ops[LossPos].get() != G.Output->def())
    ++LossPos;
  if (LossPos == Ops.size())
    return 0;
  std::vector<Candidate> Cands = findCandidates(G, LossPos, RO);
  for (const Candidate &C : Cands) {
    const Op &O = *C.Def;
    OpContext Saved = G.Ctx;
    G.Ctx = OpContext{O.SpecLine, O.Layer, O.Tag};
    Op *R = G.create(O.kind(), {O.operand(0)}, {O.result()->type()},
                     O.attrs());
    G.Ctx = Saved;
    const Use *First = &C.Late.front();
    for (const Use &U : C.Late)
      if (U.Pos < First->Pos)
        First = &U;
    G.moveLastBefore(First->User);
    for (const Use &U : C.Late)
      G.setOperand(*U.User, U.Operand, R->result());
  }
  return static_cast<unsigned>(Cands.size());
}
