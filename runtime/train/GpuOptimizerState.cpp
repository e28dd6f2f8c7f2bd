//===- runtime/train/GpuOptimizerState.cpp - Device optimizer state I/O ---===//
///
/// \file
/// GpuOptimizer::download and upload: the per-segment device state as
/// optim::OptimizerState (Buf0 = Muon momentum or Adam exp_avg, Buf1 = Adam
/// exp_avg_sq, AdamStep, StepsTaken), one copy per state array and segment,
/// so checkpoints move between the CPU and CUDA backends. Padding between
/// slots is written as zeros on upload.
///
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuOptimizer.h"

#ifdef HYBC_HAVE_CUDA
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace hybc;
using gpu::CuDevicePtr;

namespace {

/// The state arrays of a segment: Buf0 (and Buf1 for Adam).
unsigned numBufs(const GpuParamLayout::Segment &S) {
  return S.Group == ir::OptGroup::MuonMatrix ? 1 : 2;
}

llvm::SmallVectorImpl<float> &bufOf(optim::ParamState &S, unsigned Which) {
  return Which == 0 ? S.Buf0 : S.Buf1;
}

/// The Adam step count of every segment (0 for Muon); checks that one
/// segment's parameters agree and that every buffer has numel floats.
llvm::Expected<std::vector<int64_t>>
adamStepsOf(const GpuParamLayout &L, const optim::OptimizerState &In) {
  std::vector<int64_t> Steps(L.Segments.size(), 0);
  for (unsigned Seg = 0; Seg < L.Segments.size(); ++Seg) {
    const GpuParamLayout::Segment &G = L.Segments[Seg];
    if (G.Params.empty())
      continue;
    const optim::ParamState &First = In.param(G.Params.front());
    Steps[Seg] = numBufs(G) == 2 ? First.AdamStep : 0;
    for (unsigned I : G.Params) {
      const optim::ParamState &P = In.param(I);
      const size_t N = static_cast<size_t>(P.numel());
      if (P.Buf0.size() != N || P.Buf1.size() != (numBufs(G) == 2 ? N : 0))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("optimizer state: '{0}' has buffers of {1} and {2} "
                          "floats; expected {3} (hint: a damaged state)",
                          P.Name, P.Buf0.size(), P.Buf1.size(), N)
                .str());
      if (numBufs(G) == 2 && P.AdamStep != Steps[Seg])
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("optimizer state: '{0}' has Adam step {1} but "
                          "'{2}' has {3}; the GPU optimizer keeps one count "
                          "per group (hint: resume on the CPU backend)",
                          P.Name, P.AdamStep, First.Name, Steps[Seg])
                .str());
    }
  }
  return Steps;
}

} // namespace

llvm::Error GpuOptimizer::download(optim::OptimizerState &Out) {
  if (llvm::Error E = D.ctxSynchronize())
    return E;
  optim::OptimizerState S = optimizerStateLayout(M);
  std::vector<float> Host;
  for (unsigned Seg = 0; Seg < L.Segments.size(); ++Seg) {
    const GpuParamLayout::Segment &G = L.Segments[Seg];
    if (G.Params.empty())
      continue;
    Host.resize(G.Floats);
    for (unsigned Which = 0; Which < numBufs(G); ++Which) {
      CuDevicePtr Src = Which == 0 ? Buf0[Seg] : Buf1[Seg];
      if (llvm::Error E =
              D.memcpyDtoH(Host.data(), Src, G.Floats * sizeof(float)))
        return E;
      for (unsigned I : G.Params) {
        const float *From = Host.data() + (L.Offsets[I] - G.Offset);
        bufOf(S.param(I), Which).assign(From, From + S.param(I).numel());
      }
    }
    if (numBufs(G) == 2)
      for (unsigned I : G.Params)
        S.param(I).AdamStep = AdamSteps[Seg];
  }
  S.StepsTaken = StepsTaken;
  Out = std::move(S);
  return llvm::Error::success();
}

llvm::Error GpuOptimizer::upload(const optim::OptimizerState &In) {
  if (llvm::Error E =
          optimizerStateLayout(M).checkSameLayout(In, "optimizer state"))
    return E;
  auto Steps = adamStepsOf(L, In);
  if (!Steps)
    return Steps.takeError();
  if (llvm::Error E = D.ctxSynchronize())
    return E;
  std::vector<float> Host;
  for (unsigned Seg = 0; Seg < L.Segments.size(); ++Seg) {
    const GpuParamLayout::Segment &G = L.Segments[Seg];
    if (G.Params.empty())
      continue;
    for (unsigned Which = 0; Which < numBufs(G); ++Which) {
      Host.assign(G.Floats, 0.0f);
      for (unsigned I : G.Params) {
        const optim::ParamState &P = In.param(I);
        const auto &Src = Which == 0 ? P.Buf0 : P.Buf1;
        std::copy(Src.begin(), Src.end(),
                  Host.begin() + (L.Offsets[I] - G.Offset));
      }
      CuDevicePtr Dst = Which == 0 ? Buf0[Seg] : Buf1[Seg];
      if (llvm::Error E =
              D.memcpyHtoD(Dst, Host.data(), G.Floats * sizeof(float)))
        return E;
    }
  }
  AdamSteps = std::move(*Steps);
  StepsTaken = In.StepsTaken;
  return llvm::Error::success();
}

#endif // HYBC_HAVE_CUDA
