//===- compiler/passes/BuildForward.cpp - Model -> forward graph ----------===//
//
// Emits the forward op graph of a model for one micro-batch shape, walking
// the virtual schedule of unrollRecurrence. Every virtual layer refers to the
// Params of its physical layer, so recurrence adds ops but no parameters.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"

#include "llvm/Support/FormatVariadic.h"

#include <cassert>
#include <vector>

using namespace hybc;
using namespace hybc::ir;

namespace {

class ForwardBuilder {
public:
  ForwardBuilder(const Model &M, const ForwardOptions &O)
      : M(M), O(O), MS(M.S.Model), G(std::make_unique<Graph>()) {
    G->Batch = O.Batch;
    G->Time = O.Time;
  }

  std::unique_ptr<Graph> build();

private:
  TensorType act(int64_t C) const {
    return TensorType(DType::F32, {O.Batch, O.Time, C});
  }
  TensorType heads(int64_t H, int64_t Dh) const {
    return TensorType(DType::F32, {O.Batch, O.Time, H, Dh});
  }
  Value *op(OpKind K, llvm::ArrayRef<Value *> Args, const TensorType &Ty,
            llvm::ArrayRef<Attr> Attrs = {}) {
    return G->create(K, Args, {Ty}, Attrs)->result();
  }
  Value *norm(Value *X) {
    return op(OpKind::RmsNorm, {X}, X->type(), {floatAttr("eps", MS.NormEps)});
  }
  /// The value of a weight, fake-quantised when QAT is active.
  Value *weight(Param *P);
  /// x · Wᵀ for x [..., In] and W [Out, In].
  Value *linear(Value *X, Param *W);
  Value *embed(Value *Ids);
  Value *attention(Value *H, const LayerParams &L, const BlockSpec &B);
  Value *mamba3(Value *H, const LayerParams &L, const BlockSpec &B);
  Value *mlp(Value *X, const LayerParams &L, const BlockSpec &B);
  Value *block(Value *X, Value *X0, const VirtualLayer &VL, int V);
  Value *head(Value *X);

  const Model &M;
  const ForwardOptions &O;
  const ModelSpec &MS;
  std::unique_ptr<Graph> G;
};

Value *ForwardBuilder::weight(Param *P) {
  Value *W = G->paramRef(P);
  if (!O.QatActive || P->type().rank() != 2 ||
      P->numel() <= M.S.Export.ScalarKeep || P->group() != OptGroup::MuonMatrix)
    return W;
  return op(OpKind::FakeQuant, {W}, W->type(),
            {intAttr("bits", M.S.Train.QatBits)});
}

Value *ForwardBuilder::linear(Value *X, Param *W) {
  TensorType Ty = X->type();
  Ty.Shape.back() = W->type().Shape[0];
  return op(OpKind::MatMul, {X, weight(W)}, Ty,
            {intAttr("ta", 0), intAttr("tb", 1)});
}

Value *ForwardBuilder::embed(Value *Ids) {
  G->Ctx.Tag = "embed";
  const GlobalParams &GP = M.Globals;
  Value *X = op(OpKind::Embedding, {Ids, G->paramRef(GP.TokEmb)},
                act(MS.DModel));
  if (GP.BigramTable) {
    Value *H = op(OpKind::BigramHash, {Ids, G->paramRef(GP.BigramTable)},
                  act(MS.Embed.BigramDim),
                  {intAttr("buckets", MS.Embed.BigramBuckets)});
    X = op(OpKind::Add, {X, linear(H, GP.BigramProj)}, X->type());
  }
  if (GP.SmearGate)
    X = op(OpKind::SmearGate, {X, G->paramRef(GP.SmearGate)}, X->type());
  return norm(X);
}

Value *ForwardBuilder::attention(Value *H, const LayerParams &L,
                                 const BlockSpec &B) {
  const AttentionSpec &A = B.Attn;
  auto Split = [&](Param *W, int64_t NH) {
    Value *Y = linear(H, W);
    return op(OpKind::Reshape, {Y}, heads(NH, A.HeadDim));
  };
  Value *Q = Split(L.Wq, A.Heads), *K = Split(L.Wk, A.KVHeads);
  Value *V = Split(L.Wv, A.KVHeads);
  if (A.QKNorm) {
    Q = norm(Q);
    K = norm(K);
  }
  llvm::SmallVector<Attr, 3> Rope = {floatAttr("base", A.RopeBase),
                                     intAttr("dims", A.RopeDims)};
  if (A.RopeTables != RopeTableMode::Exact) // cpu::RopeTables values
    Rope.push_back(
        intAttr("bf16_tables", A.RopeTables == RopeTableMode::Eager ? 1 : 2));
  Q = op(OpKind::Rope, {Q}, Q->type(), Rope);
  K = op(OpKind::Rope, {K}, K->type(), Rope);
  Q = op(OpKind::HeadGain, {Q, G->paramRef(L.QGain)}, Q->type());
  if (A.VAct == ValueActivation::Silu)
    V = op(OpKind::Silu, {V}, V->type());
  TensorType Lse(DType::F32, {O.Batch, A.Heads, O.Time});
  Op *At = G->create(OpKind::Attention, {Q, K, V}, {Q->type(), Lse});
  Value *Flat = op(OpKind::Reshape, {At->result(0)},
                   act(A.Heads * A.HeadDim));
  return linear(Flat, L.Wo);
}

Value *ForwardBuilder::mamba3(Value *H, const LayerParams &L,
                              const BlockSpec &B) {
  const Mamba3Spec &S = B.Mamba3;
  Value *W = linear(H, L.InProj);
  llvm::SmallVector<Value *, 8> Args = {
      W, G->paramRef(L.DtBias), G->paramRef(L.BBias), G->paramRef(L.CBias),
      G->paramRef(L.BNorm), G->paramRef(L.CNorm)};
  if (L.D)
    Args.push_back(G->paramRef(L.D));
  if (L.OutNorm)
    Args.push_back(G->paramRef(L.OutNorm));
  Attr Attrs[] = {intAttr("nheads", S.NHeads),
                  intAttr("headdim", S.HeadDim),
                  intAttr("dstate", S.DState),
                  intAttr("ngroups", S.NGroups),
                  intAttr("angles", S.NumRopeAngles),
                  intAttr("chunk", S.Chunk),
                  intAttr("a_act", S.AAct == AActivation::HeavyTail),
                  floatAttr("a_floor", S.AFloor),
                  floatAttr("eps", S.NormEps),
                  intAttr("has_d", L.D != nullptr),
                  intAttr("has_out_norm", L.OutNorm != nullptr)};
  Value *Y = op(OpKind::Mamba3, Args, act(S.DInner), Attrs);
  return linear(Y, L.OutProj);
}

Value *ForwardBuilder::mlp(Value *X, const LayerParams &L,
                           const BlockSpec &B) {
  Value *F = linear(norm(X), L.Fc);
  if (B.Mlp.Act == MlpActivation::Relu2)
    F = op(OpKind::Relu2, {F}, F->type());
  else
    F = op(OpKind::LeakyRelu2, {F}, F->type(),
           {floatAttr("slope", B.Mlp.Slope)});
  Value *P = linear(F, L.Proj);
  return op(OpKind::ScaledAdd, {X, P, G->paramRef(L.MlpScale)}, X->type(),
            {intAttr("row", -1)});
}

Value *ForwardBuilder::block(Value *X, Value *X0, const VirtualLayer &VL,
                             int V) {
  const LayerParams &L = M.Layers[VL.Physical];
  const BlockSpec &B = MS.Blocks[L.BlockIndex];
  bool IsAttn = B.Kind == BlockKind::Attention;
  G->Ctx.Layer = V;
  G->Ctx.SpecLine = B.Line;
  G->Ctx.Tag = llvm::formatv("blocks.{0}.{1}", VL.Physical,
                             IsAttn ? "attn" : "mamba3")
                   .str();
  X = op(OpKind::ResidMix, {X, X0, G->paramRef(L.ResidMix)}, X->type());
  Value *H = norm(X);
  Value *Out = IsAttn ? attention(H, L, B) : mamba3(H, L, B);
  X = op(OpKind::ScaledAdd, {X, Out, G->paramRef(L.MixerScale)}, X->type(),
         {intAttr("row", -1)});
  if (!B.HasMlp)
    return X;
  G->Ctx.Tag = llvm::formatv("blocks.{0}.mlp", VL.Physical).str();
  return mlp(X, L, B);
}

Value *ForwardBuilder::head(Value *X) {
  G->Ctx = OpContext();
  G->Ctx.Tag = "head";
  Param *W = M.Globals.LmHead ? M.Globals.LmHead : M.Globals.TokEmb;
  Value *Logits = linear(norm(X), W);
  Value *Targets =
      G->input("targets", TensorType(DType::I32, {O.Batch, O.Time}));
  TensorType LossTy = O.PerTokenLoss
                          ? TensorType(DType::F32, {O.Batch, O.Time})
                          : TensorType(DType::F32, {});
  return op(OpKind::LmLoss, {Logits, Targets}, LossTy,
            {floatAttr("softcap", MS.LogitSoftcap),
             intAttr("per_token", O.PerTokenLoss), intAttr("ce_fp32", O.Fp32CrossEntropy)});
}

std::unique_ptr<Graph> ForwardBuilder::build() {
  VirtualSchedule S = unrollRecurrence(M, O.RecurrenceActive);
  Value *Ids = G->input("ids", TensorType(DType::I32, {O.Batch, O.Time}));
  Value *X = embed(Ids);
  Value *X0 = X;
  std::vector<Value *> Skips;
  for (size_t V = 0; V < S.Layers.size(); ++V) {
    const VirtualLayer &VL = S.Layers[V];
    if (VL.Decoder && VL.PopsSkip) {
      assert(!Skips.empty() && "skip schedule pops an empty stack");
      Value *Skip = Skips.back();
      Skips.pop_back();
      if (VL.SkipWeight >= 0) {
        G->Ctx = OpContext();
        G->Ctx.Layer = static_cast<int>(V);
        G->Ctx.Tag = "skips";
        X = op(OpKind::ScaledAdd,
               {X, Skip, G->paramRef(M.Globals.SkipWeights)}, X->type(),
               {intAttr("row", VL.SkipWeight)});
      }
    }
    X = block(X, X0, VL, static_cast<int>(V));
    if (!VL.Decoder && S.NumEncoder > 0)
      Skips.push_back(X);
  }
  G->Output = head(X);
  return std::move(G);
}

} // namespace

std::unique_ptr<Graph> hybc::buildForward(const Model &M,
                                          const ForwardOptions &O) {
  return ForwardBuilder(M, O).build();
}
