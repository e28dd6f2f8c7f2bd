//===- compiler/passes/Autodiff.cpp - Reverse-mode differentiation --------===//
//
// Walks the forward ops in reverse and emits, per op kind, the ops of its
// vector-Jacobian product. Gradients of values used more than once (the
// residual stream, parameters shared by recurrence) are summed with `add`.
// Nothing here is model-specific: the backward graph of any .hyb model
// follows from these per-op rules.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::ir;

namespace {

class Differentiator {
public:
  Differentiator(Graph &G, double Scale) : G(G), Scale(Scale) {}
  llvm::Error run();

private:
  void accumulate(Value *V, Value *D) {
    if (V->type().Elem == DType::I32)
      return;
    Value *&Slot = Grad[V];
    Slot = Slot ? emit(OpKind::Add, {Slot, D}, V->type()) : D;
  }
  Value *emit(OpKind K, llvm::ArrayRef<Value *> Args, const TensorType &Ty,
              llvm::ArrayRef<Attr> Attrs = {}) {
    return G.create(K, Args, {Ty}, Attrs)->result();
  }
  Op *emitMulti(OpKind K, llvm::ArrayRef<Value *> Args,
                llvm::ArrayRef<TensorType> Tys, llvm::ArrayRef<Attr> Attrs) {
    return G.create(K, Args, Tys, Attrs);
  }
  void matmul(const Op &O, Value *DY);
  llvm::Error rule(const Op &O, Value *DY);
  void unary(const Op &O, OpKind Bwd, Value *DY);

  Graph &G;
  double Scale;
  llvm::DenseMap<Value *, Value *> Grad;
};

void Differentiator::matmul(const Op &O, Value *DY) {
  Value *A = O.operand(0), *B = O.operand(1);
  bool TA = O.getInt("ta"), TB = O.getInt("tb");
  auto MM = [&](Value *X, Value *Y, bool T1, bool T2, const TensorType &Ty) {
    return emit(OpKind::MatMul, {X, Y}, Ty,
                {intAttr("ta", T1), intAttr("tb", T2)});
  };
  Value *DA, *DB;
  if (!TA && !TB) {
    DA = MM(DY, B, false, true, A->type());
    DB = MM(A, DY, true, false, B->type());
  } else if (!TA && TB) {
    DA = MM(DY, B, false, false, A->type());
    DB = MM(DY, A, true, false, B->type());
  } else if (TA && !TB) {
    DA = MM(B, DY, false, true, A->type());
    DB = MM(A, DY, false, false, B->type());
  } else {
    DA = MM(B, DY, true, true, A->type());
    DB = MM(DY, A, true, true, B->type());
  }
  accumulate(A, DA);
  accumulate(B, DB);
}

void Differentiator::unary(const Op &O, OpKind Bwd, Value *DY) {
  Value *X = O.operand(0);
  accumulate(X, emit(Bwd, {DY, X}, X->type(), O.attrs()));
}

llvm::Error Differentiator::rule(const Op &O, Value *DY) {
  auto Ops = O.operands();
  auto Multi = [&](OpKind K, llvm::ArrayRef<Value *> Args,
                   llvm::ArrayRef<Value *> Targets) {
    llvm::SmallVector<TensorType, 8> Tys;
    for (Value *T : Targets)
      Tys.push_back(T->type());
    Op *B = emitMulti(K, Args, Tys, O.attrs());
    for (unsigned I = 0; I < Targets.size(); ++I)
      accumulate(Targets[I], B->result(I));
  };
  switch (O.kind()) {
  case OpKind::Embedding:
    accumulate(Ops[1], emit(OpKind::EmbeddingBwd, {DY, Ops[0]},
                            Ops[1]->type(), O.attrs()));
    return llvm::Error::success();
  case OpKind::BigramHash:
    accumulate(Ops[1], emit(OpKind::BigramHashBwd, {DY, Ops[0]},
                            Ops[1]->type(), O.attrs()));
    return llvm::Error::success();
  case OpKind::SmearGate:
    Multi(OpKind::SmearGateBwd, {DY, Ops[0], Ops[1]}, {Ops[0], Ops[1]});
    return llvm::Error::success();
  case OpKind::Add:
    accumulate(Ops[0], DY);
    accumulate(Ops[1], DY);
    return llvm::Error::success();
  case OpKind::RmsNorm:
    unary(O, OpKind::RmsNormBwd, DY);
    return llvm::Error::success();
  case OpKind::ResidMix:
    Multi(OpKind::ResidMixBwd, {DY, Ops[0], Ops[1], Ops[2]},
          {Ops[0], Ops[1], Ops[2]});
    return llvm::Error::success();
  case OpKind::ScaledAdd:
    accumulate(Ops[0], DY);
    Multi(OpKind::ScaledAddBwd, {DY, Ops[1], Ops[2]}, {Ops[1], Ops[2]});
    return llvm::Error::success();
  case OpKind::MatMul:
    matmul(O, DY);
    return llvm::Error::success();
  case OpKind::Reshape:
    accumulate(Ops[0], emit(OpKind::Reshape, {DY}, Ops[0]->type()));
    return llvm::Error::success();
  case OpKind::Rope:
    accumulate(Ops[0], emit(OpKind::RopeBwd, {DY}, Ops[0]->type(), O.attrs()));
    return llvm::Error::success();
  case OpKind::HeadGain:
    Multi(OpKind::HeadGainBwd, {DY, Ops[0], Ops[1]}, {Ops[0], Ops[1]});
    return llvm::Error::success();
  case OpKind::Silu:
    unary(O, OpKind::SiluBwd, DY);
    return llvm::Error::success();
  case OpKind::Relu2:
    unary(O, OpKind::Relu2Bwd, DY);
    return llvm::Error::success();
  case OpKind::LeakyRelu2:
    unary(O, OpKind::LeakyRelu2Bwd, DY);
    return llvm::Error::success();
  case OpKind::Attention:
    Multi(OpKind::AttentionBwd,
          {DY, Ops[0], Ops[1], Ops[2], O.result(0), O.result(1)},
          {Ops[0], Ops[1], Ops[2]});
    return llvm::Error::success();
  case OpKind::Mamba3: {
    llvm::SmallVector<Value *, 10> Args = {DY};
    Args.append(Ops.begin(), Ops.end());
    Multi(OpKind::Mamba3Bwd, Args, Ops);
    return llvm::Error::success();
  }
  case OpKind::FakeQuant: // straight-through estimator
    accumulate(Ops[0], DY);
    return llvm::Error::success();
  default:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("autodiff: no gradient rule for op '{0}'",
                      opKindName(O.kind()))
            .str());
  }
}

llvm::Error Differentiator::run() {
  if (!G.Output || G.Output->def()->kind() != OpKind::LmLoss)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "autodiff: graph output is not a loss");
  std::vector<Op *> Forward;
  for (const auto &O : G.ops())
    Forward.push_back(O.get());
  const Op *Loss = G.Output->def();
  G.Ctx = OpContext();
  G.Ctx.Tag = "head";
  Value *Logits = Loss->operand(0);
  accumulate(Logits,
             emit(OpKind::LmLossBwd, {Logits, Loss->operand(1)},
                  Logits->type(),
                  {floatAttr("softcap", Loss->getFloat("softcap")),
                   floatAttr("scale", Scale),
                   intAttr("ce_fp32", Loss->getInt("ce_fp32", 0))}));
  for (auto It = Forward.rbegin(); It != Forward.rend(); ++It) {
    const Op &O = **It;
    if (&O == Loss || O.kind() == OpKind::Input ||
        O.kind() == OpKind::ParamRef)
      continue;
    auto Found = Grad.find(O.result(0));
    if (Found == Grad.end())
      continue;
    G.Ctx.Layer = O.Layer;
    G.Ctx.SpecLine = O.SpecLine;
    G.Ctx.Tag = O.Tag;
    if (llvm::Error E = rule(O, Found->second))
      return E;
  }
  for (Op *O : Forward)
    if (O->kind() == OpKind::ParamRef) {
      auto Found = Grad.find(O->result());
      if (Found != Grad.end())
        G.ParamGrads.push_back({O->param(), Found->second});
    }
  std::sort(G.ParamGrads.begin(), G.ParamGrads.end(),
            [](const auto &A, const auto &B) {
              return A.first->index() < B.first->index();
            });
  return llvm::Error::success();
}

} // namespace

llvm::Error hybc::autodiff(Graph &G, double Scale) {
  if (G.Output && G.Output->type().rank() != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "autodiff: needs a scalar loss (graph built with per-token loss)");
  return Differentiator(G, Scale).run();
}
