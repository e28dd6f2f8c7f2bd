//===- runtime/train/GpuCompileKnobs.cpp - Knobs that change the plan -----===//
///
/// \file
/// See GpuCompileKnobs.h.
///
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuCompileKnobs.h"

#ifdef HYBC_HAVE_CUDA
#include "runtime/gpu/GpuOptions.h"
#endif

using namespace hybc;

namespace {
GpuCompileKnobs defaults() {
  GpuCompileKnobs K;
  K.Lowering = gpuLoweringOptions();
  K.Remat.Activations = false; // HYBC_REMAT's default, norms
  return K;
}
} // namespace

#ifdef HYBC_HAVE_CUDA
GpuCompileKnobs hybc::gpuCompileKnobs(const gpu::GpuOptions &O) {
  GpuCompileKnobs K = defaults();
  K.Lowering.Bf16Residual = O.Bf16Residual;
  K.AttnTiles = {O.AttnFwdWarps, O.AttnFwdBc, O.AttnBwdStep};
  K.Remat.Norms = O.RematNorms;
  K.Remat.Activations = O.RematActs;
  return K;
}
#endif

llvm::Expected<GpuCompileKnobs> hybc::gpuCompileKnobsFromEnvironment() {
#ifdef HYBC_HAVE_CUDA
  auto GO = gpu::gpuOptions();
  if (!GO)
    return GO.takeError();
  return gpuCompileKnobs(*GO);
#else
  return defaults();
#endif
}
