//===- runtime/train/GpuCompileKnobs.h - Knobs that change the plan -*- C++ -*-//
///
/// \file
/// The compile choices that HYBC_BF16_RESIDUAL, HYBC_REMAT and
/// HYBC_ATTN_TILES make (runtime/gpu/GpuOptions.h). The CUDA backend and
/// `hybc compile` both take them from here, so the compiler shows exactly
/// the kernels a training run launches.
///
/// Example:
///   auto GO = gpu::gpuOptions();
///   GpuCompileKnobs K = gpuCompileKnobs(*GO);
///   rematerialize(G, K.Remat);
///   EmitContext C{SpecPath};
///   C.AttnTiles = K.AttnTiles;
///   auto P = lowerToKernels(G, C, K.Lowering);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H
#define HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H

#include "codegen/Lowering.h"
#include "compiler/passes/Passes.h"
#include "runtime/gpu/GpuOptions.h"

namespace hybc {

struct GpuCompileKnobs {
  LoweringOptions Lowering; ///< gpuLoweringOptions() plus the residual knob.
  AttnTileOverride AttnTiles;
  RematOptions Remat;
};

GpuCompileKnobs gpuCompileKnobs(const gpu::GpuOptions &O);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H
