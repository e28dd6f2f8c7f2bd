//===- codegen/Fusion.cpp - Which ops share a kernel ----------------------===//
///
/// \file
/// See Fusion.h for the rules. Example: in the tiny hybrid's backward,
/// `%102 = rms_norm_bwd(%100, %78)`, `%103 = add(%94, %102)` and
/// `%104, %105 = scaled_add_bwd(%103, %76, %77)` become one group: %102 stays
/// in registers, %103 and %104 are written, %105 is column-reduced.
///
//===----------------------------------------------------------------------===//
#include "codegen/Fusion.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cassert>

using namespace hybc;
using namespace hybc::ir;

bool hybc::isRowOp(OpKind K) {
  switch (K) {
  case OpKind::Embedding:
  case OpKind::BigramHash:
  case OpKind::SmearGate:
  case OpKind::Add:
  case OpKind::RmsNorm:
  case OpKind::ResidMix:
  case OpKind::ScaledAdd:
  case OpKind::Rope:
  case OpKind::HeadGain:
  case OpKind::Silu:
  case OpKind::Relu2:
  case OpKind::LeakyRelu2:
  case OpKind::FakeQuant:
  case OpKind::SmearGateBwd:
  case OpKind::RmsNormBwd:
  case OpKind::ResidMixBwd:
  case OpKind::ScaledAddBwd:
  case OpKind::RopeBwd:
  case OpKind::HeadGainBwd:
  case OpKind::SiluBwd:
  case OpKind::Relu2Bwd:
  case OpKind::LeakyRelu2Bwd:
    return true;
  default:
    return false;
  }
}

bool hybc::isPointwiseOp(OpKind K) {
  switch (K) {
  case OpKind::Add:
  case OpKind::Silu:
  case OpKind::Relu2:
  case OpKind::LeakyRelu2:
  case OpKind::SiluBwd:
  case OpKind::Relu2Bwd:
  case OpKind::LeakyRelu2Bwd:
    return true;
  default:
    return false;
  }
}

RowView hybc::rowViewOf(const Op &O) {
  const TensorType &T = O.result(0)->type();
  return RowView{T.outer(), T.inner()};
}

bool hybc::isReduceResult(OpKind K, unsigned R) {
  switch (K) {
  case OpKind::ResidMixBwd:
    return R == 2;
  case OpKind::ScaledAddBwd:
  case OpKind::HeadGainBwd:
  case OpKind::SmearGateBwd:
    return R == 1;
  default:
    return false;
  }
}

bool hybc::isNeighborOperand(OpKind K, unsigned I) {
  if (K == OpKind::SmearGate)
    return I == 0;
  if (K == OpKind::SmearGateBwd)
    return I <= 1;
  return false;
}

int64_t hybc::ropeHalf(const Op &O) {
  if (O.kind() != OpKind::Rope && O.kind() != OpKind::RopeBwd)
    return 0;
  return O.getInt("dims") / 2;
}

namespace {

std::string shortText(const Op &O) {
  return llvm::formatv("%{0} {1}", O.result(0)->id(), opKindName(O.kind()))
      .str();
}

class FusionBuilder {
public:
  FusionBuilder(const Graph &G, const FusionOptions &Opt) : G(G), Opt(Opt) {}
  FusionPlan run();

private:
  void indexUses();
  bool singleUse(const Value *V) const {
    return Users[V->id()].size() == 1 && !External[V->id()];
  }
  void findAccumulations();
  void formGroups();
  bool canJoin(unsigned Gi, unsigned OpIdx, std::string &Why) const;
  bool legalMove(unsigned Gi, unsigned OpIdx, std::string &Why) const;
  void materialize();
  void noteEpilogues();

  const Graph &G;
  const FusionOptions &Opt;
  FusionPlan P;
  std::vector<const Op *> Ops;
  llvm::DenseMap<const Op *, unsigned> Index;
  std::vector<llvm::SmallVector<unsigned, 4>> Users; ///< By value id.
  std::vector<bool> External;                        ///< Loss or gradient.
};

void FusionBuilder::indexUses() {
  Users.assign(G.numValues(), {});
  External.assign(G.numValues(), false);
  for (const auto &O : G.ops()) {
    Index[O.get()] = Ops.size();
    for (const Value *V : O->operands()) {
      assert(V->id() < G.numValues() && "value ids are dense");
      Users[V->id()].push_back(Ops.size());
    }
    Ops.push_back(O.get());
  }
  if (G.Output)
    External[G.Output->id()] = true;
  for (const auto &PG : G.ParamGrads)
    External[PG.second->id()] = true;
}

void FusionBuilder::findAccumulations() {
  if (!Opt.GemmAccumulate)
    return;
  auto Writable = [&](const Value *X) {
    OpKind K = X->def()->kind();
    return K != OpKind::Input && K != OpKind::ParamRef &&
           K != OpKind::Reshape && singleUse(X);
  };
  for (const Op *O : Ops) {
    if (O->kind() != OpKind::Add || O->operand(0) == O->operand(1))
      continue;
    for (unsigned MI : {1u, 0u}) {
      const Value *M = O->operand(MI), *X = O->operand(1 - MI);
      const Op *MM = M->def();
      if (MM->kind() != OpKind::MatMul || !singleUse(M) || !Writable(X))
        continue;
      P.AccumulationOf[O] = P.Accumulations.size();
      P.AccumulationOf[MM] = P.Accumulations.size();
      P.Accumulations.push_back(GemmAccumulation{O, MM, X});
      P.Notes.emplace_back(O,
                           llvm::formatv("accumulate: gemm %{0} runs at %{1} = "
                                         "add with C += A*B; %{2} is written "
                                         "into %{1}'s buffer",
                                         M->id(), O->result()->id(), X->id())
                               .str());
      break;
    }
  }
}

bool FusionBuilder::legalMove(unsigned Gi, unsigned OpIdx,
                              std::string &Why) const {
  const FusionGroup &Gr = P.Groups[Gi];
  for (const Op *Q : Gr.Ops)
    for (const Value *V : Q->results())
      for (unsigned U : Users[V->id()]) {
        const Op *User = Ops[U];
        auto It = P.GroupOf.find(User);
        bool InGroup = It != P.GroupOf.end() && It->second == Gi;
        if (!InGroup && U != OpIdx && U < OpIdx) {
          Why = llvm::formatv("%{0} is read by {1} before it", V->id(),
                              shortText(*User))
                    .str();
          return false;
        }
      }
  return true;
}

bool FusionBuilder::canJoin(unsigned Gi, unsigned OpIdx,
                            std::string &Why) const {
  const FusionGroup &Gr = P.Groups[Gi];
  const Op &O = *Ops[OpIdx];
  if (!(rowViewOf(O) == Gr.View)) {
    Why = "different row view";
    return false;
  }
  if (Gr.Ops.size() >= Opt.MaxGroupOps) {
    Why = "group is full";
    return false;
  }
  for (unsigned I = 0; I < O.numOperands(); ++I) {
    const Value *V = O.operand(I);
    auto It = P.GroupOf.find(V->def());
    if (It == P.GroupOf.end() || It->second != Gi)
      continue;
    if (isNeighborOperand(O.kind(), I) ||
        isReduceResult(V->def()->kind(), V->resultNo())) {
      Why = llvm::formatv("operand %{0} cannot be passed in registers", V->id())
                .str();
      return false;
    }
  }
  int64_t Half = ropeHalf(O);
  for (const Op *Q : Gr.Ops)
    if (Half && ropeHalf(*Q) && ropeHalf(*Q) != Half) {
      Why = "rope widths differ";
      return false;
    }
  return legalMove(Gi, OpIdx, Why);
}

void FusionBuilder::formGroups() {
  for (unsigned I = 0; I < Ops.size(); ++I) {
    const Op &O = *Ops[I];
    if (!isRowOp(O.kind()) || P.AccumulationOf.count(&O))
      continue;
    int Joined = -1;
    for (unsigned K = 0; K < O.numOperands() && Joined < 0 && Opt.RowFusion;
         ++K) {
      auto It = P.GroupOf.find(O.operand(K)->def());
      if (It == P.GroupOf.end())
        continue;
      std::string Why;
      if (canJoin(It->second, I, Why)) {
        Joined = static_cast<int>(It->second);
        break;
      }
      P.Notes.emplace_back(
          &O, llvm::formatv("not fused: {0} with the group of {1}: "
                            "{2}",
                            shortText(O),
                            shortText(*P.Groups[It->second].Ops[0]), Why)
                  .str());
    }
    if (Joined < 0) {
      P.GroupOf[&O] = P.Groups.size();
      FusionGroup Gr;
      Gr.Ops.push_back(&O);
      Gr.View = rowViewOf(O);
      Gr.Position = I;
      P.Groups.push_back(std::move(Gr));
      continue;
    }
    FusionGroup &Gr = P.Groups[Joined];
    std::string Note = llvm::formatv("fused: {0} into the group of {1} "
                                     "(row view {2}x{3})",
                                     shortText(O), shortText(*Gr.Ops[0]),
                                     Gr.View.Rows, Gr.View.Cols);
    Gr.Reason += (Gr.Reason.empty() ? "" : "\n") + Note;
    P.Notes.emplace_back(&O, Note);
    Gr.Ops.push_back(&O);
    Gr.Position = I;
    P.GroupOf[&O] = Joined;
  }
}

void FusionBuilder::materialize() {
  for (unsigned Gi = 0; Gi < P.Groups.size(); ++Gi) {
    FusionGroup &Gr = P.Groups[Gi];
    bool Pointwise = true;
    for (const Op *Q : Gr.Ops) {
      Pointwise &= isPointwiseOp(Q->kind());
      for (const Value *V : Q->results()) {
        if (isReduceResult(Q->kind(), V->resultNo()))
          continue;
        bool Out = External[V->id()];
        for (unsigned U : Users[V->id()]) {
          auto It = P.GroupOf.find(Ops[U]);
          Out |= It == P.GroupOf.end() || It->second != Gi;
        }
        if (Out)
          P.Materialized.insert(V);
      }
    }
    // Point-wise groups may use any row width: pick a friendly one.
    int64_t N = Gr.View.Rows * Gr.View.Cols;
    if (Pointwise && (Gr.View.Cols % 4 != 0 || Gr.View.Cols > 1024))
      for (int64_t C : {512, 256, 128, 64, 32, 16, 8, 4})
        if (N % C == 0) {
          Gr.View = RowView{N / C, C};
          break;
        }
  }
}

void FusionBuilder::noteEpilogues() {
  for (const FusionGroup &Gr : P.Groups) {
    const Op &First = *Gr.Ops[0];
    OpKind K = First.kind();
    bool Act = K == OpKind::Silu || K == OpKind::Relu2 ||
               K == OpKind::LeakyRelu2 || K == OpKind::SiluBwd ||
               K == OpKind::Relu2Bwd || K == OpKind::LeakyRelu2Bwd;
    if (!Act || First.operand(0)->def()->kind() != OpKind::MatMul)
      continue;
    P.Notes.emplace_back(
        &First, llvm::formatv("epilogue candidate: {0} after gemm %{1} "
                              "runs as a row kernel (no cuBLASLt "
                              "epilogue for it)",
                              shortText(First), First.operand(0)->id())
                    .str());
  }
}

FusionPlan FusionBuilder::run() {
  indexUses();
  findAccumulations();
  formGroups();
  materialize();
  noteEpilogues();
  return std::move(P);
}

} // namespace

FusionPlan hybc::decideFusion(const Graph &G, const FusionOptions &O) {
  return FusionBuilder(G, O).run();
}
