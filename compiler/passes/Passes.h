//===- compiler/passes/Passes.h - Every compiler pass -----------*- C++ -*-===//
///
/// \file
/// One entry function per pass; each lives in its own file. Run order:
/// unrollRecurrence -> buildForward -> autodiff -> (GPU path, in codegen/
/// because it emits kernels: lowerToKernels of codegen/Lowering.h, which
/// runs the fusion decisions of codegen/Fusion.h; then the runtime's memory
/// plan).
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_COMPILER_PASSES_PASSES_H
#define HYBC_COMPILER_PASSES_PASSES_H

#include "ir/Graph.h"
#include "ir/Model.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace hybc {

/// Unrolls depth recurrence into the virtual layer sequence and assigns
/// U-Net skips. Example (seed PR #1607, 8 layers, recurrence 3..4 x2):
///   inactive: [0,1,2,3,4,5,6,7]
///   active:   [0,1,2,3,4,3,4,3,4,5,6,7], encoder = first 6.
/// Repeated entries name the same physical layer, hence the same Params.
ir::VirtualSchedule unrollRecurrence(const ir::Model &M, bool Active);

/// Options of the forward graph.
struct ForwardOptions {
  int64_t Batch = 1, Time = 1;
  bool RecurrenceActive = false;
  bool QatActive = false; ///< Fake-quantise matrices > ScalarKeep elements.
  bool PerTokenLoss = false; ///< Output nll[B,T] instead of the mean.
  /// PG computes the cross-entropy on fp32 logits (`logits.float()`); the
  /// fp64 oracle emulates that unless this is off (exact fp64 checks).
  bool Fp32CrossEntropy = true;
};

/// Builds the forward graph (ids -> mean cross-entropy) of a model for one
/// micro-batch shape. Example: baseline_gpt.hyb at B=1,T=8 gives
///   %0 = input "ids"; %1 = param @tok_emb.weight; %2 = embedding(%0, %1);
///   %3 = rms_norm(%2) {eps=1.1920929e-07}; ... ; lm_loss(...) {softcap=30}
std::unique_ptr<ir::Graph> buildForward(const ir::Model &M,
                                        const ForwardOptions &O);

/// Appends the backward graph of G (reverse-mode over every op) and fills
/// G.ParamGrads with one gradient per Param (summed over every virtual use).
/// Params with no use get no entry. Example: `%9 = rms_norm(%8)` gives
/// `%40 = rms_norm_bwd(%39, %8)`; a value used twice gets `add` of both
/// contributions. Scale multiplies the loss gradient (1/grad_accum).
llvm::Error autodiff(ir::Graph &G, double Scale);

/// After autodiff: recomputes, just before their first backward use, the
/// forward values of cheap row ops (rms_norm, relu2, leaky_relu2, silu)
/// that the backward reads only as GEMM operands and whose input it keeps
/// alive anyway, so they die in the forward (less activation memory, one
/// more element-wise kernel each). Returns how many were recomputed.
/// Example: `%12 = rms_norm(%11)` read by `matmul(%399, %12) {ta=1}` in the
/// backward gets `%402 = rms_norm(%11)` there instead. \p O picks the op
/// kinds: norms (rms_norm), activations (relu2, leaky_relu2, silu).
struct RematOptions {
  bool Norms = true, Activations = true;
};
unsigned rematerialize(ir::Graph &G, const RematOptions &O = {});

} // namespace hybc

#endif // HYBC_COMPILER_PASSES_PASSES_H
