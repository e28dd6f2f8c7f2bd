//===- tests/codegen/CodegenTestUtil.cpp - Shared codegen test setup ------===//
//
// See CodegenTestUtil.h.
//
//===----------------------------------------------------------------------===//
#include "CodegenTestUtil.h"

#include "codegen/EmitCommon.h"
#include "frontend/Frontend.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <set>

using namespace hybc;
using namespace hybc::ir;

std::string test::sourcePath(llvm::StringRef Rel) {
  return (llvm::Twine(HYBC_SOURCE_DIR) + "/" + Rel).str();
}

std::unique_ptr<Model> test::miniModel() {
  auto S = loadSpec(sourcePath("tests/codegen/golden/hybrid_mini.hyb"), {},
                    llvm::errs());
  if (!S) {
    ADD_FAILURE() << llvm::toString(S.takeError());
    return nullptr;
  }
  S->Path = "tests/codegen/golden/hybrid_mini.hyb";
  auto M = buildModel(*S);
  if (!M) {
    ADD_FAILURE() << llvm::toString(M.takeError());
    return nullptr;
  }
  return std::move(*M);
}

std::unique_ptr<Graph> test::stepGraph(const Model &M, bool Recurrence,
                                       bool Qat) {
  const TrainSpec &T = M.S.Train;
  ForwardOptions O;
  O.Time = T.SeqLen;
  O.Batch = std::max<int64_t>(1, T.BatchTokens / (T.GradAccum * T.SeqLen));
  O.RecurrenceActive = Recurrence;
  O.QatActive = Qat;
  auto G = buildForward(M, O);
  if (llvm::Error E = autodiff(*G, 1.0 / static_cast<double>(T.GradAccum)))
    ADD_FAILURE() << llvm::toString(std::move(E));
  return G;
}

std::unique_ptr<Graph>
test::extrasGraph(std::vector<std::unique_ptr<Param>> &Params) {
  auto G = std::make_unique<Graph>();
  auto In = [&](llvm::ArrayRef<int64_t> Shape) {
    Params.push_back(std::make_unique<Param>(
        "p" + std::to_string(Params.size()), TensorType(DType::F32, Shape),
        OptGroup::AdamScalar, QuantClass::Passthrough, ParamInit(),
        Params.size()));
    return G->paramRef(Params.back().get());
  };
  auto Op1 = [&](OpKind K, llvm::ArrayRef<Value *> Args,
                 llvm::ArrayRef<TensorType> Tys,
                 llvm::ArrayRef<Attr> Attrs = {}) {
    return G->create(K, Args, Tys, Attrs);
  };
  TensorType Wide(DType::F32, {6, 2048}), Tall(DType::F32, {2, 300, 16});
  TensorType Heads(DType::F32, {2, 75, 4, 16});
  Attr Eps[] = {floatAttr("eps", 1e-6)};
  Value *X = In({6, 2048}), *DY = In({6, 2048});
  Op1(OpKind::RmsNorm, {X}, {Wide}, Eps);
  Op1(OpKind::RmsNormBwd, {DY, X}, {Wide}, Eps);
  Op1(OpKind::FakeQuant, {X}, {Wide}, {intAttr("bits", 6)});
  Value *T0 = In({2, 300, 16}), *T1 = In({2, 300, 16}), *T2 = In({2, 300, 16});
  Value *S = In({3, 16}), *Mix = In({2, 16}), *Gate = In({16});
  Op1(OpKind::ScaledAddBwd, {T0, T1, S}, {Tall, S->type()},
      {intAttr("row", 1)});
  Op1(OpKind::ResidMixBwd, {T0, T1, T2, Mix}, {Tall, Tall, Mix->type()});
  Op1(OpKind::SmearGateBwd, {T0, T1, Gate}, {Tall, Gate->type()});
  Value *H0 = In({2, 75, 4, 16}), *H1 = In({2, 75, 4, 16}), *Gain = In({4});
  Op1(OpKind::HeadGainBwd, {H0, H1, Gain}, {Heads, Gain->type()});
  // Every result counts as a gradient, so every kernel writes its outputs.
  for (const auto &O : G->ops())
    if (O->kind() != OpKind::ParamRef)
      for (Value *V : O->results())
        G->ParamGrads.push_back({Params.front().get(), V});
  return G;
}

namespace {

llvm::Expected<std::vector<KernelSpec>> placeholder(const Op &O,
                                                    const EmitContext &C) {
  KernelSpec K;
  K.Family = "placeholder";
  K.Name = llvm::formatv("placeholder_{0}_{1}", opKindName(O.kind()),
                         O.operand(0)->type().numel())
               .str();
  for (unsigned I = 0; I < O.numOperands(); ++I)
    K.Args.push_back(
        valueArg(llvm::formatv("in{0}", I).str(), *O.operand(I), false));
  for (unsigned I = 0; I < O.numResults(); ++I)
    K.Args.push_back(
        valueArg(llvm::formatv("out{0}", I).str(), *O.result(I), true));
  K.Source = "// placeholder for " + K.Name + "\n";
  K.FusedOps.push_back(irOpText(O));
  return std::vector<KernelSpec>{K};
}

} // namespace

LoweringOptions test::placeholderEmitters() {
  LoweringOptions O;
  O.AttentionForward = placeholder;
  O.AttentionBackward = placeholder;
  O.Mamba3Forward = placeholder;
  O.Mamba3Backward = placeholder;
  return O;
}

namespace {

/// Tracks which buffers hold data, by alias root.
class PlanChecker {
public:
  PlanChecker(const Graph &G, const Plan &P) : G(G), P(P) {}
  std::string run();

private:
  unsigned root(unsigned V) const {
    auto It = Alias.find(V);
    return It == Alias.end() ? V : root(It->second);
  }
  bool defined(unsigned V) const { return Defined.count(root(V)); }
  std::string kernelStep(size_t I, const PlanStep &S);
  std::string gemmStep(size_t I, const PlanStep &S);

  const Graph &G;
  const Plan &P;
  llvm::DenseMap<unsigned, unsigned> Alias;
  std::set<unsigned> Defined;
  std::vector<const Value *> ById;
};

std::string PlanChecker::kernelStep(size_t I, const PlanStep &S) {
  if (S.KernelIndex >= P.Kernels.size())
    return llvm::formatv("step {0}: bad kernel index", I);
  const KernelSpec &K = P.Kernels[S.KernelIndex];
  if (S.Bindings.size() != K.Args.size())
    return llvm::formatv("step {0}: {1} bindings for {2} args", I,
                         S.Bindings.size(), K.Args.size());
  for (size_t A = 0; A < K.Args.size(); ++A) {
    const KernelArg &Arg = K.Args[A];
    if (Arg.Scratch) {
      bool Declared = false;
      for (const PlanScratch &SC : P.Scratch)
        Declared |= SC.Name == Arg.Name && SC.Elements >= Arg.Elements;
      if (!Declared)
        return llvm::formatv("step {0}: scratch '{1}' not declared", I,
                             Arg.Name);
      continue;
    }
    unsigned V = S.Bindings[A];
    if (V >= ById.size() || !ById[V] || ById[V]->type().numel() != Arg.Elements)
      return llvm::formatv("step {0} ({1}): arg {2} bound to %{3} of another "
                           "size",
                           I, K.Name, Arg.Name, V);
    if (!Arg.Output && !defined(V))
      return llvm::formatv("step {0} ({1}): reads %{2} before it is written", I,
                           K.Name, V);
  }
  for (size_t A = 0; A < K.Args.size(); ++A)
    if (K.Args[A].Output && !K.Args[A].Scratch)
      Defined.insert(root(S.Bindings[A]));
  return "";
}

std::string PlanChecker::gemmStep(size_t I, const PlanStep &S) {
  if (!defined(S.G.A) || !defined(S.G.B))
    return llvm::formatv("step {0}: gemm reads an unwritten operand", I);
  if (S.G.Accumulate && !defined(S.G.C))
    return llvm::formatv("step {0}: gemm accumulates into unwritten %{1}", I,
                         S.G.C);
  int64_t MN = S.G.M * S.G.N, MK = S.G.M * S.G.K, KN = S.G.K * S.G.N;
  if (ById[S.G.C]->type().numel() != MN || ById[S.G.A]->type().numel() != MK ||
      ById[S.G.B]->type().numel() != KN)
    return llvm::formatv("step {0}: gemm sizes do not match", I);
  Defined.insert(root(S.G.C));
  return "";
}

std::string PlanChecker::run() {
  ById.assign(G.numValues(), nullptr);
  for (const auto &O : G.ops()) {
    for (const Value *V : O->results())
      ById[V->id()] = V;
    if (O->kind() == OpKind::ParamRef || O->kind() == OpKind::Input)
      Defined.insert(O->result()->id());
  }
  for (const PlanStep &S : P.Steps)
    if (S.K == PlanStep::Alias)
      Alias[S.Dst] = S.Src;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    const PlanStep &S = P.Steps[I];
    std::string E;
    if (S.K == PlanStep::Kernel)
      E = kernelStep(I, S);
    else if (S.K == PlanStep::Gemm)
      E = gemmStep(I, S);
    if (!E.empty())
      return E;
  }
  for (const auto &PG : G.ParamGrads)
    if (!defined(PG.second->id()))
      return llvm::formatv("gradient of {0} is never written",
                           PG.first->name());
  if (!defined(P.LossValue))
    return "the loss is never written";
  for (const PlanBuffer &B : P.Buffers)
    if (Alias.count(B.ValueId))
      return llvm::formatv("%{0} has a buffer and is an alias", B.ValueId);
  return "";
}

} // namespace

std::string test::checkPlan(const Graph &G, const Plan &P) {
  return PlanChecker(G, P).run();
}
