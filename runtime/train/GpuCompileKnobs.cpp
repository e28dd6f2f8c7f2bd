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

llvm::Expected<GpuCompileKnobs> hybc::gpuCompileKnobsFromEnvironment() {
  GpuCompileKnobs K;
  K.Lowering = gpuLoweringOptions();
  K.Remat.Activations = false; // HYBC_REMAT's default, norms
#ifdef HYBC_HAVE_CUDA
  auto GO = gpu::gpuOptions();
  if (!GO)
    return GO.takeError();
  K.Lowering.Bf16Residual = GO->Bf16Residual;
  K.AttnTiles = {GO->AttnFwdWarps, GO->AttnFwdBc, GO->AttnBwdStep};
  K.Remat.Norms = GO->RematNorms;
  K.Remat.Activations = GO->RematActs;
#endif
  return K;
}
