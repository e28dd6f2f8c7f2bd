//===- runtime/train/GpuCompileKnobs.h - Knobs that change the plan -*- C++ -*-//
///
/// \file
/// The compile choices that HYBC_BF16_RESIDUAL, HYBC_REMAT and
/// HYBC_ATTN_TILES make (runtime/gpu/GpuOptions.h). The CUDA backend and
/// `hybc compile` both take them from here, so the compiler shows exactly
/// the kernels a training run launches. A build without the CUDA toolkit
/// has no knobs and uses the defaults.
///
/// Example:
///   auto K = gpuCompileKnobsFromEnvironment();
///   if (!K) return K.takeError();
///   rematerialize(G, K->Remat);
///   EmitContext C{SpecPath};
///   C.AttnTiles = K->AttnTiles;
///   auto P = lowerToKernels(G, C, K->Lowering);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H
#define HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H

#include "codegen/Lowering.h"
#include "compiler/passes/Passes.h"

#include "llvm/Support/Error.h"

namespace hybc {

struct GpuCompileKnobs {
  LoweringOptions Lowering; ///< gpuLoweringOptions() plus the residual knob.
  AttnTileOverride AttnTiles;
  RematOptions Remat;
};

/// The knobs of the process environment (parsed once by gpu::gpuOptions;
/// errors name a malformed variable), or the defaults without CUDA.
llvm::Expected<GpuCompileKnobs> gpuCompileKnobsFromEnvironment();

#ifdef HYBC_HAVE_CUDA
namespace gpu {
struct GpuOptions;
}
/// The knobs of parsed options (what a GpuBackend was built with).
GpuCompileKnobs gpuCompileKnobs(const gpu::GpuOptions &O);
#endif

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_GPUCOMPILEKNOBS_H
