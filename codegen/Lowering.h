//===- codegen/Lowering.h - IR graph -> kernel plan -------------*- C++ -*-===//
///
/// \file
/// lowerToKernels turns a training-step graph (forward + backward) into a
/// Plan (codegen/Plan.h): matmuls become GemmSteps (accumulating where
/// decideFusion found `add(X, matmul)`), reshapes become Alias steps,
/// params and inputs become PlanBuffers, and every other op becomes
/// generated kernels: fused row groups, the loss, the embedding scatters and
/// the attention / Mamba-3 kernels of codegen/Emitters.h. Kernels are
/// deduplicated by name (identical code); each Kernel step carries its own
/// buffer bindings. Step notes hold the IR ops of the step and the fusion
/// decisions that concern them (for HYBC_DEBUG=3).
///
/// Example:
///   auto G = buildForward(M, Opts);
///   if (llvm::Error E = autodiff(*G, 1.0)) return E;
///   auto P = lowerToKernels(*G, EmitContext{"tiny.hyb"});
///   // P->Steps: kernel hybc_embedding_rms_norm_fwd_r4096_d128_..., gemm, ...
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_LOWERING_H
#define HYBC_CODEGEN_LOWERING_H

#include "codegen/Emitters.h"
#include "codegen/Fusion.h"
#include "codegen/Plan.h"
#include "ir/Graph.h"

#include "llvm/Support/Error.h"

namespace hybc {

/// An emitter of one op (the signature of codegen/Emitters.h).
using OpEmitterFn = llvm::Expected<std::vector<KernelSpec>> (*)(
    const ir::Op &, const EmitContext &);

struct LoweringOptions {
  FusionOptions Fusion;
  /// Store activations in bf16 where StoragePrecision.h allows, and run
  /// GEMMs with a bf16 operand in bf16 (fp32 partners get a bf16 copy).
  bool Bf16Storage = false;
  /// With Bf16Storage: attention reads q, k, v, o, dout and writes o, dq,
  /// dk, dv in bf16 too (its emitters support bf16 buffers).
  bool Bf16Attention = false;
  /// With Bf16Storage: the residual stream and activation gradients are
  /// stored in bf16 as well (the PG reference's bf16 activations).
  bool Bf16Residual = false;
  /// The attention / Mamba-3 emitters; tests may substitute their own.
  OpEmitterFn AttentionForward = emitAttentionForward;
  OpEmitterFn AttentionBackward = emitAttentionBackward;
  OpEmitterFn Mamba3Forward = emitMamba3Forward;
  OpEmitterFn Mamba3Backward = emitMamba3Backward;
};

/// The options the CUDA backend (and `hybc compile`, which shows what it
/// runs) lowers with: bf16 activation storage on, the residual stream
/// included (HYBC_BF16_RESIDUAL=0 turns that off: runtime/gpu/GpuOptions.h).
LoweringOptions gpuLoweringOptions();

/// Lowers G (built for one micro-batch shape) to a plan of kernel launches,
/// GEMMs and aliases in execution order.
llvm::Expected<Plan> lowerToKernels(const ir::Graph &G, const EmitContext &C,
                                    const LoweringOptions &O = {});

} // namespace hybc

#endif // HYBC_CODEGEN_LOWERING_H
