//===- runtime/train/GpuOptimizerPlan.cpp - Kernels of the device step ----===//
///
/// \file
/// planGpuOptimizer: which kernels one GpuOptimizer step launches per
/// layout segment (codegen/EmitOptimizer.h), deduplicated by name, and the
/// sizes of the Newton-Schulz scratch buffers that all Muon segments share.
/// Needs no GPU. Example (baseline GPT, no MuonEq-R): 4 Muon segments of
/// 34 launches (15 of them GEMMs) and 2 Adam launches, 138 in all.
///
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuOptimizer.h"

#ifdef HYBC_HAVE_CUDA
#include "codegen/EmitOptimizer.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cmath>

using namespace hybc;

namespace {

optim::ParamGroup toParamGroup(ir::OptGroup G) {
  switch (G) {
  case ir::OptGroup::MuonMatrix:
    return optim::ParamGroup::MuonMatrix;
  case ir::OptGroup::AdamEmbed:
    return optim::ParamGroup::AdamEmbed;
  case ir::OptGroup::AdamHead:
    return optim::ParamGroup::AdamHead;
  case ir::OptGroup::AdamScalar:
    return optim::ParamGroup::AdamScalar;
  }
  return optim::ParamGroup::AdamScalar;
}

/// Collects kernels unique by name.
struct KernelSet {
  std::vector<KernelSpec> &Out;
  llvm::StringMap<unsigned> Index;
  unsigned add(KernelSpec K) {
    auto It = Index.find(K.Name);
    if (It != Index.end())
      return It->second;
    Index[K.Name] = static_cast<unsigned>(Out.size());
    Out.push_back(std::move(K));
    return static_cast<unsigned>(Out.size() - 1);
  }
};

uint64_t alignSlot(uint64_t N) {
  return (N + kGpuSlotAlignFloats - 1) / kGpuSlotAlignFloats *
         kGpuSlotAlignFloats;
}

GpuOptimizerPlan::Muon planMuon(unsigned Index,
                                const GpuParamLayout::Segment &S,
                                const optim::MuonConfig &Cfg, KernelSet &Ks,
                                GpuOptimizerPlan &P) {
  const bool Round = Cfg.Prec != optim::Precision::Fp32;
  GpuOptimizerPlan::Muon G;
  G.Segment = Index;
  G.Count = static_cast<int64_t>(S.Params.size());
  G.Rows = S.Rows;
  G.Cols = S.Cols;
  G.Stride = static_cast<int64_t>(S.Stride);
  G.Small = std::min(S.Rows, S.Cols);
  G.GramStride = static_cast<int64_t>(alignSlot(uint64_t(G.Small * G.Small)));
  G.Transposed = S.Rows > S.Cols;
  const double Ratio = double(S.Rows) / double(S.Cols);
  G.Scale = static_cast<float>(std::sqrt(std::max(1.0, Ratio)));
  const int64_t N = S.Rows * S.Cols, NG = G.Small * G.Small;
  G.Momentum = Ks.add(emitMuonMomentum(G.Count * G.Stride, Cfg.Nesterov));
  if (Cfg.EqR)
    G.RowNorm = static_cast<int>(
        Ks.add(emitBatchedRowNormalize(G.Count, S.Rows, S.Cols, G.Stride)));
  std::vector<KernelSpec> Fro =
      emitBatchedFrobeniusNormalize(G.Count, N, G.Stride, Round);
  const KernelArg &Part = Fro[0].Args[1];
  P.PartialFloats = std::max<uint64_t>(P.PartialFloats, Part.Elements);
  G.FroSum = Ks.add(std::move(Fro[0]));
  G.FroDiv = Ks.add(std::move(Fro[1]));
  G.Gram = Ks.add(emitNsGram(G.Count, NG, G.GramStride, Round));
  G.Poly = Ks.add(emitNsPoly(G.Count, NG, G.GramStride, Round));
  G.UpdateFirst = Ks.add(emitNsUpdate(G.Count, N, G.Stride, true, Round));
  G.Update = Ks.add(emitNsUpdate(G.Count, N, G.Stride, false, Round));
  G.Apply = Ks.add(
      emitMuonApplyBatched(G.Count, N, G.Stride, G.Scale != 1.0f, Round));
  P.SlotFloats = std::max<uint64_t>(P.SlotFloats, G.Count * G.Stride);
  P.GramFloats = std::max<uint64_t>(P.GramFloats, G.Count * G.GramStride);
  const unsigned Steps = static_cast<unsigned>(std::max(Cfg.BackendSteps, 0));
  P.Launches += 4 + (Cfg.EqR ? 1 : 0) + 6 * Steps;
  P.Gemms += 3 * Steps;
  return G;
}

} // namespace

llvm::Expected<GpuOptimizerPlan>
hybc::planGpuOptimizer(const GpuParamLayout &L,
                       const optim::OptimizerConfig &Cfg) {
  if (Cfg.Muon.Prec == optim::Precision::Bf16Eager)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "gpu optimizer: Muon precision bf16-eager is not emulated on the "
        "device (hint: use the default bf16-compiled or fp32)");
  GpuOptimizerPlan P;
  KernelSet Ks{P.Kernels, {}};
  for (unsigned I = 0; I < L.Segments.size(); ++I) {
    const GpuParamLayout::Segment &S = L.Segments[I];
    if (S.Params.empty())
      continue;
    if (S.Group == ir::OptGroup::MuonMatrix) {
      P.MuonSegs.push_back(planMuon(I, S, Cfg.Muon, Ks, P));
      continue;
    }
    GpuOptimizerPlan::Adam A;
    A.Segment = I;
    A.Group = toParamGroup(S.Group);
    A.Kernel = Ks.add(emitAdamStep(static_cast<int64_t>(S.Floats),
                                   Cfg.group(A.Group).Adam.Bf16));
    P.AdamSegs.push_back(A);
    ++P.Launches;
  }
  return P;
}

optim::OptimizerState hybc::optimizerStateLayout(const ir::Model &M) {
  optim::OptimizerState S;
  for (const auto &P : M.Params) {
    int64_t Rows = P->type().rank() >= 2 ? P->type().Shape[0] : 1;
    S.addParam(P->name(), toParamGroup(P->group()), Rows, P->numel() / Rows);
  }
  return S;
}

#endif // HYBC_HAVE_CUDA
