//===- codegen/StoragePrecision.cpp - bf16 activation storage -------------===//
///
/// \file
/// decideBf16Storage: values are grouped with their reshapes (one buffer),
/// each group's producer and consumers are classified (GEMM, row kernel,
/// other) and the rules of StoragePrecision.h applied per group.
///
//===----------------------------------------------------------------------===//
#include "codegen/StoragePrecision.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

using namespace hybc;
using namespace hybc::ir;

namespace {

enum class Use { Gemm, Row, Other };

struct GroupInfo {
  llvm::SmallVector<const Value *, 2> Members;
  bool Excluded = false;
  bool AnyConsumer = false, AllGemm = true, AllGemmOrRow = true;
};

struct Decider {
  Decider(const Graph &G, FusionPlan &F, bool Attention, bool Residual)
      : G(G), F(F), Attention(Attention), Residual(Residual) {}
  const Graph &G;
  FusionPlan &F;
  bool Attention, Residual;
  llvm::DenseMap<const Value *, GroupInfo> Groups; ///< By root.

  const Value *root(const Value *V) {
    while (V->def()->kind() == OpKind::Reshape)
      V = V->def()->operand(0);
    return V;
  }
  /// How \p O reads operand \p I, or (I < 0) writes result -I-1.
  Use classify(const Op &O, int I) const {
    if (O.kind() == OpKind::MatMul)
      return Use::Gemm;
    // An accumulating GEMM's add reads X and writes its result in the C
    // buffer (Residual: C may be bf16; cuBLASLt reads and writes it).
    if (Residual && O.kind() == OpKind::Add && F.AccumulationOf.count(&O))
      return Use::Gemm;
    // The loss kernels read bf16 logits and write bf16 dlogits (the PG
    // reference's logits are bf16 too).
    if (Residual && O.kind() == OpKind::LmLoss)
      return I == 0 ? Use::Gemm : Use::Other;
    if (Residual && O.kind() == OpKind::LmLossBwd)
      return I == 0 || I == -1 ? Use::Gemm : Use::Other;
    if (F.GroupOf.count(&O))
      return Use::Row;
    if (Attention && O.kind() == OpKind::Attention)
      return I == -2 ? Use::Other : Use::Gemm; // lse stays fp32
    if (Attention && O.kind() == OpKind::AttentionBwd)
      return I == 5 ? Use::Other : Use::Gemm;  // lse operand
    return Use::Other;
  }
  void exclusions();
  void producers();
  void consumers();
  void propagateDerived();
  void agreeAcrossAccumulations();
};

void Decider::exclusions() {
  for (const auto &PG : G.ParamGrads)
    Groups[root(PG.second)].Excluded = true;
  if (G.Output)
    Groups[root(G.Output)].Excluded = true;
  if (Residual)
    return; // accumulation targets follow the rules (and agree, below)
  for (const GemmAccumulation &A : F.Accumulations) {
    Groups[root(A.Into)].Excluded = true;
    Groups[root(A.Add->result())].Excluded = true;
  }
}

void Decider::producers() {
  for (const auto &Op : G.ops())
    for (const Value *V : Op->results()) {
      GroupInfo &Info = Groups[root(V)];
      Info.Members.push_back(V);
      if (Op->kind() == OpKind::Reshape)
        continue;
      bool AccMatMul = !Residual && Op->kind() == OpKind::MatMul &&
                       F.AccumulationOf.count(Op.get());
      Use P = classify(*Op, -static_cast<int>(V->resultNo()) - 1);
      // Column-reduced row results are written by hybc_colsum kernels,
      // which store fp32.
      if (Op->kind() == OpKind::ParamRef || Op->kind() == OpKind::Input ||
          AccMatMul || P == Use::Other || V->type().Elem != DType::F32 ||
          (P == Use::Row && isReduceResult(Op->kind(), V->resultNo())))
        Info.Excluded = true;
    }
}

void Decider::consumers() {
  for (const auto &Op : G.ops()) {
    if (Op->kind() == OpKind::Reshape)
      continue;
    for (unsigned I = 0; I < Op->numOperands(); ++I) {
      const Value *V = Op->operand(I);
      Use U = classify(*Op, static_cast<int>(I));
      GroupInfo &Info = Groups[root(V)];
      Info.AnyConsumer = true;
      Info.AllGemm &= U == Use::Gemm;
      Info.AllGemmOrRow &= U != Use::Other;
    }
  }
}

} // namespace

/// Rule 3: row-kernel values computed only from bf16-stored values (and
/// parameters) are stored in bf16 too when their consumers allow it: the
/// q/k chains after the projections (norm, rope, gain) carry no more than
/// bf16 precision anyway. Walks the ops in order so derivation propagates
/// through fused (unmaterialised) intermediates.
void Decider::propagateDerived() {
  llvm::DenseSet<const Value *> Derived;
  for (const auto &Op : G.ops()) {
    if (!F.GroupOf.count(Op.get()))
      continue;
    bool FromBf16 = true;
    for (const Value *U : Op->operands())
      FromBf16 &= U->def()->kind() == OpKind::ParamRef || F.Bf16.count(U) ||
                  Derived.count(U);
    if (!FromBf16)
      continue;
    for (const Value *V : Op->results()) {
      Derived.insert(V);
      const GroupInfo &Info = Groups[root(V)];
      if (!Info.Excluded && Info.AnyConsumer && Info.AllGemmOrRow)
        for (const Value *M : Info.Members)
          F.Bf16.insert(M);
    }
  }
}

/// X of an accumulation is written into the add result's buffer: both are
/// bf16 or neither (to a fixed point: accumulations chain).
void Decider::agreeAcrossAccumulations() {
  bool Changed = true;
  while (Changed) {
    Changed = false;
    for (const GemmAccumulation &A : F.Accumulations) {
      const Value *X = A.Into, *S = A.Add->result();
      if (F.Bf16.count(X) == F.Bf16.count(S))
        continue;
      for (const Value *V : {X, S})
        for (const Value *M : Groups[root(V)].Members)
          F.Bf16.erase(M);
      Changed = true;
    }
  }
}

void hybc::decideBf16Storage(const Graph &G, FusionPlan &F, bool Attention,
                             bool Residual) {
  Decider D(G, F, Attention, Residual);
  D.producers();
  D.exclusions();
  D.consumers();
  for (auto &KV : D.Groups) {
    const GroupInfo &Info = KV.second;
    if (Info.Excluded || !Info.AnyConsumer || !Info.AllGemmOrRow)
      continue;
    const Op &Def = *KV.first->def();
    bool GemmResult = Def.kind() == OpKind::MatMul ||
                      (D.Attention && (Def.kind() == OpKind::Attention ||
                                       Def.kind() == OpKind::AttentionBwd));
    if (!GemmResult && !Info.AllGemm && !D.Residual)
      continue;
    for (const Value *V : Info.Members)
      F.Bf16.insert(V);
  }
  D.propagateDerived();
  D.agreeAcrossAccumulations();
}
