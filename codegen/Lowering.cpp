//===- codegen/Lowering.cpp - IR graph -> kernel plan ---------------------===//
///
/// \file
/// See Lowering.h. Walks the graph in order; a fused group is emitted at its
/// last op, an accumulating GEMM at its add. Example (tiny hybrid head):
///   %88 = matmul(%87, %1) -> gemm 4096x1024x128 C=%88
///   %90 = lm_loss(%88, %89) -> hybc_lm_loss_fwd_r4096_v1024_*,
///   hybc_lm_loss_mean_*
///
//===----------------------------------------------------------------------===//
#include "codegen/Lowering.h"
#include "codegen/EmitCommon.h"
#include "codegen/EmitFamilies.h"
#include "codegen/StoragePrecision.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

llvm::Error lowerError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "codegen: " + Msg.str());
}

class Lowerer {
public:
  Lowerer(const Graph &G, const EmitContext &Ctx, const LoweringOptions &O)
      : G(G), C(Ctx), O(O) {
    C.Bf16 = &F.Bf16;
  }
  llvm::Expected<Plan> run();

private:
  llvm::Error lowerOp(unsigned I, const Op &Op);
  llvm::Expected<std::vector<KernelSpec>> emitOp(const Op &Op);
  llvm::Error addKernels(std::vector<KernelSpec> Ks, bool External,
                         const std::string &Note);
  llvm::Error addGemm(const Op &MM, const Value *Dst, bool Accumulate,
                      const std::string &Note);
  void accumulationAliases();
  /// The id of the bf16 copy of fp32 value V (emitted before \p User's
  /// GEMM on first use).
  llvm::Expected<unsigned> bf16Copy(const ir::Value &V, const Op &User,
                                    bool Transposed = false);
  std::string noteOf(llvm::ArrayRef<const Op *> Ops,
                     llvm::StringRef Extra = "") const;
  llvm::Error addBuffers();

  const Graph &G;
  EmitContext C; ///< The caller's, pointing at F.Bf16.
  const LoweringOptions &O;
  FusionPlan F;
  Plan P;
  llvm::StringMap<unsigned> KernelIndex;
  std::map<std::string, int64_t> Scratch;
  llvm::DenseSet<unsigned> AliasDst;
  llvm::DenseMap<unsigned, unsigned> CopyOf; ///< Value id -> bf16 copy id.
  llvm::DenseMap<unsigned, unsigned> CopyTOf; ///< ... -> transposed copy.
  std::vector<PlanBuffer> CopyBuffers;
};

std::string Lowerer::noteOf(llvm::ArrayRef<const Op *> Ops,
                            llvm::StringRef Extra) const {
  std::string N;
  for (const Op *Q : Ops)
    N += (N.empty() ? "" : "\n") + irOpText(*Q);
  if (!Extra.empty())
    N += "\n" + Extra.str();
  for (const auto &Entry : F.Notes)
    if (llvm::is_contained(Ops, Entry.first))
      N += "\n" + Entry.second;
  return N;
}

void Lowerer::accumulationAliases() {
  for (const GemmAccumulation &A : F.Accumulations) {
    PlanStep S;
    S.K = PlanStep::Alias;
    S.Dst = A.Into->id();
    S.Src = A.Add->result()->id();
    S.Note = llvm::formatv("%{0} is written into %{1}'s buffer (gemm %{2} "
                           "accumulates into it)",
                           S.Dst, S.Src, A.MatMul->result()->id())
                 .str();
    AliasDst.insert(S.Dst);
    P.Steps.push_back(std::move(S));
  }
}

llvm::Error Lowerer::addKernels(std::vector<KernelSpec> Ks, bool External,
                                const std::string &Note) {
  for (KernelSpec &K : Ks) {
    PlanStep S;
    S.K = PlanStep::Kernel;
    S.Note = Note;
    for (KernelArg &A : K.Args) {
      if (External && A.K == KernelArg::Buffer && A.ValueId == 0)
        A.Scratch = true;
      S.Bindings.push_back(A.Scratch ? 0 : A.ValueId);
      if (A.Scratch)
        Scratch[A.Name] = std::max(Scratch[A.Name], A.Elements);
    }
    auto It = KernelIndex.find(K.Name);
    if (It != KernelIndex.end()) {
      if (kernelCode(P.Kernels[It->second].Source) != kernelCode(K.Source))
        return lowerError(llvm::formatv("two different kernels are named "
                                        "'{0}' (hint: the emitter must put "
                                        "every specialisation in the name)",
                                        K.Name));
      S.KernelIndex = It->second;
    } else {
      S.KernelIndex = P.Kernels.size();
      KernelIndex[K.Name] = S.KernelIndex;
      P.Kernels.push_back(std::move(K));
    }
    P.Steps.push_back(std::move(S));
  }
  return llvm::Error::success();
}

llvm::Expected<unsigned> Lowerer::bf16Copy(const Value &V, const Op &User,
                                           bool Transposed) {
  auto &Map = Transposed ? CopyTOf : CopyOf;
  auto It = Map.find(V.id());
  if (It != Map.end())
    return It->second;
  unsigned Id = G.numValues() + static_cast<unsigned>(CopyBuffers.size());
  PlanBuffer B;
  B.ValueId = Id;
  B.Elements = V.type().numel();
  B.DType = "bf16";
  CopyBuffers.push_back(B);
  Map[V.id()] = Id;
  std::vector<KernelSpec> Ks;
  Ks.push_back(Transposed ? emitCastTransposeToBf16(V, Id, User, C)
                          : emitCastToBf16(V, Id, User, C));
  if (llvm::Error E = addKernels(
          std::move(Ks), false,
          llvm::formatv("bf16 copy of %{0}{1}", V.id(),
                        Transposed ? " (transposed)" : "")))
    return E;
  P.Steps.back().PerUpdate = V.def()->kind() == OpKind::ParamRef;
  return Id;
}

llvm::Error Lowerer::addGemm(const Op &MM, const Value *Dst, bool Accumulate,
                             const std::string &Note) {
  const TensorType &A = MM.operand(0)->type(), &B = MM.operand(1)->type();
  PlanStep S;
  S.K = PlanStep::Gemm;
  S.G.A = MM.operand(0)->id();
  S.G.B = MM.operand(1)->id();
  S.G.C = Dst->id();
  S.G.TransA = MM.getInt("ta") != 0;
  S.G.TransB = MM.getInt("tb") != 0;
  S.G.M = S.G.TransA ? A.inner() : A.outer();
  S.G.K = S.G.TransA ? A.outer() : A.inner();
  S.G.N = S.G.TransB ? B.outer() : B.inner();
  S.G.Accumulate = Accumulate;
  S.G.Bf16Output = F.Bf16.count(Dst) != 0;
  // bf16 operands when the result or either operand is stored in bf16, or
  // an operand already has a copy: fp32 operands then read their bf16 copy.
  auto IsBf16 = [&](const Value *V) {
    return F.Bf16.count(V) || CopyOf.count(V->id());
  };
  if (S.G.Bf16Output || IsBf16(MM.operand(0)) || IsBf16(MM.operand(1))) {
    S.G.Bf16Operands = true;
    for (unsigned I = 0; I < 2; ++I) {
      const Value *V = MM.operand(I);
      if (F.Bf16.count(V))
        continue;
      // X W^T on a weight reads a transposed copy: cuBLASLt's bf16 kernels
      // for the transposed weight ran up to 16x slower on an H200
      // (docs/perf.md), and the copy costs one small kernel per weight.
      bool T = I == 1 && S.G.TransB &&
               V->def()->kind() == OpKind::ParamRef && B.rank() == 2;
      auto Copy = bf16Copy(*V, MM, T);
      if (!Copy)
        return Copy.takeError();
      (I == 0 ? S.G.A : S.G.B) = *Copy;
      if (T)
        S.G.TransB = false;
    }
  }
  S.Note = Note;
  P.Steps.push_back(std::move(S));
  return llvm::Error::success();
}

llvm::Expected<std::vector<KernelSpec>> Lowerer::emitOp(const Op &Op) {
  switch (Op.kind()) {
  case OpKind::Attention:
    return O.AttentionForward(Op, C);
  case OpKind::AttentionBwd:
    return O.AttentionBackward(Op, C);
  case OpKind::Mamba3:
    return O.Mamba3Forward(Op, C);
  case OpKind::Mamba3Bwd:
    return O.Mamba3Backward(Op, C);
  case OpKind::LmLoss:
    return emitLossForward(Op, C);
  case OpKind::LmLossBwd:
    return emitLossBackward(Op, C);
  case OpKind::EmbeddingBwd:
  case OpKind::BigramHashBwd:
    return emitEmbeddingBackward(Op, C);
  default:
    return lowerError(llvm::formatv("no lowering for op '{0}' (%{1})",
                                    opKindName(Op.kind()), Op.result()->id()));
  }
}

llvm::Error Lowerer::lowerOp(unsigned I, const Op &Op) {
  OpKind K = Op.kind();
  if (K == OpKind::Input || K == OpKind::ParamRef)
    return llvm::Error::success();
  if (K == OpKind::Reshape) {
    PlanStep S;
    S.K = PlanStep::Alias;
    S.Dst = Op.result()->id();
    S.Src = Op.operand(0)->id();
    S.Note = noteOf({&Op});
    AliasDst.insert(S.Dst);
    P.Steps.push_back(std::move(S));
    return llvm::Error::success();
  }
  auto Acc = F.AccumulationOf.find(&Op);
  if (Acc != F.AccumulationOf.end()) {
    const GemmAccumulation &A = F.Accumulations[Acc->second];
    if (&Op == A.Add)
      return addGemm(*A.MatMul, A.Add->result(), /*Accumulate=*/true,
                     noteOf({A.MatMul, A.Add}));
    return llvm::Error::success(); // The matmul itself runs at its add.
  }
  if (K == OpKind::MatMul)
    return addGemm(Op, Op.result(), /*Accumulate=*/false, noteOf({&Op}));
  auto Grp = F.GroupOf.find(&Op);
  if (Grp != F.GroupOf.end()) {
    const FusionGroup &FG = F.Groups[Grp->second];
    if (FG.Position != I)
      return llvm::Error::success();
    auto Ks = emitRowGroup(FG, F, C);
    if (!Ks)
      return Ks.takeError();
    return addKernels(std::move(*Ks), false, noteOf(FG.Ops));
  }
  auto Ks = emitOp(Op);
  if (!Ks)
    return Ks.takeError();
  bool External = K == OpKind::Attention || K == OpKind::AttentionBwd ||
                  K == OpKind::Mamba3 || K == OpKind::Mamba3Bwd;
  return addKernels(std::move(*Ks), External, noteOf({&Op}));
}

llvm::Error Lowerer::addBuffers() {
  // Ids from G.numValues() on are bf16 copies (CopyBuffers).
  std::vector<bool> Used(G.numValues() + CopyBuffers.size(), false);
  for (const PlanStep &S : P.Steps) {
    for (unsigned V : S.Bindings)
      Used[V] = true;
    if (S.K == PlanStep::Gemm)
      Used[S.G.A] = Used[S.G.B] = Used[S.G.C] = true;
    if (S.K == PlanStep::Alias)
      Used[S.Dst] = Used[S.Src] = true;
  }
  Used.resize(G.numValues());
  std::vector<const Value *> ById(G.numValues(), nullptr);
  llvm::DenseMap<const Value *, unsigned> GradOf;
  for (const auto &PG : G.ParamGrads)
    GradOf[PG.second] = PG.first->index();
  for (const auto &Op : G.ops())
    for (const Value *V : Op->results()) {
      ById[V->id()] = V;
      if (Op->kind() == OpKind::ParamRef || Op->kind() == OpKind::Input ||
          GradOf.count(V) || V == G.Output)
        Used[V->id()] = true;
    }
  for (unsigned Id = 0; Id < ById.size(); ++Id) {
    if (!Used[Id] || !ById[Id] || AliasDst.count(Id))
      continue;
    const Value &V = *ById[Id];
    PlanBuffer B;
    B.ValueId = Id;
    B.Elements = V.type().numel();
    B.DType = F.Bf16.count(&V) ? "bf16" : dtypeName(V.type().Elem).str();
    OpKind K = V.def()->kind();
    if (K == OpKind::ParamRef) {
      B.R = PlanBuffer::Param;
      B.ParamIndex = V.def()->param()->index();
    } else if (K == OpKind::Input) {
      B.R = PlanBuffer::Input;
    } else if (GradOf.count(&V)) {
      B.R = PlanBuffer::Grad;
      B.ParamIndex = GradOf.lookup(&V);
    }
    P.Buffers.push_back(B);
  }
  P.Buffers.insert(P.Buffers.end(), CopyBuffers.begin(), CopyBuffers.end());
  for (const auto &PG : G.ParamGrads)
    if (AliasDst.count(PG.second->id()))
      return lowerError(llvm::formatv("gradient %{0} of '{1}' is an alias",
                                      PG.second->id(), PG.first->name()));
  return llvm::Error::success();
}

llvm::Expected<Plan> Lowerer::run() {
  F = decideFusion(G, O.Fusion);
  if (O.Bf16Storage)
    decideBf16Storage(G, F, O.Bf16Attention, O.Bf16Residual);
  accumulationAliases();
  unsigned I = 0;
  for (const auto &Op : G.ops())
    if (llvm::Error E = lowerOp(I++, *Op))
      return E;
  if (llvm::Error E = addBuffers())
    return E;
  for (const auto &S : Scratch)
    P.Scratch.push_back(PlanScratch{S.first, S.second});
  P.LossValue = G.Output ? G.Output->id() : 0;
  return std::move(P);
}

} // namespace

LoweringOptions hybc::gpuLoweringOptions() {
  LoweringOptions O;
  O.Bf16Storage = true;
  O.Bf16Attention = true;
  O.Bf16Residual = true;
  return O;
}

llvm::Expected<Plan> hybc::lowerToKernels(const Graph &G, const EmitContext &C,
                                          const LoweringOptions &O) {
  return Lowerer(G, C, O).run();
}
