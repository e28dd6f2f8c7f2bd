//===- runtime/train/GpuCompileKnobs.cpp - Knobs that change the plan -----===//
///
/// \file
/// See GpuCompileKnobs.h.
///
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuCompileKnobs.h"

using namespace hybc;

GpuCompileKnobs hybc::gpuCompileKnobs(const gpu::GpuOptions &O) {
  GpuCompileKnobs K;
  K.Lowering = gpuLoweringOptions();
  K.Lowering.Bf16Residual = O.Bf16Residual;
  K.AttnTiles = {O.AttnFwdWarps, O.AttnFwdBc, O.AttnBwdStep};
  K.Remat.Norms = O.RematNorms;
  K.Remat.Activations = O.RematActs;
  return K;
}
