//===- codegen/StoragePrecision.h - bf16 activation storage -----*- C++ -*-===//
///
/// \file
/// Decides which activations of a step graph the GPU stores in bf16 (the
/// bf16-compute / fp32-accumulate contract of the GEMMs made explicit, as
/// PyTorch autocast does): a value is stored in bf16 when
///   * it is produced by a GEMM or a fused row kernel and every consumer is
///     a GEMM operand or a row kernel, and
///   * it is a GEMM result, or every consumer is a GEMM operand, or its
///     row op reads only bf16-stored values and parameters (the q/k chains
///     after the projections); so the fp32 residual stream and what is
///     computed from it stay fp32 — unless \p Residual is set, which drops
///     this condition: the residual stream and the activation gradients
///     are stored in bf16 too, as in the PG reference (a bf16 model under
///     autocast: every activation and its gradient is a bf16 tensor; row
///     kernels still compute in fp32 and round once when they store);
/// never parameters, inputs, parameter gradients, the loss, accumulation
/// targets, column-reduced row results (the colsum kernels store fp32), or
/// values an attention / Mamba-3 / loss / embedding kernel reads or writes.
/// A reshape shares its source's storage.
///
/// Example (one attention block of the baseline GPT):
/// \code
///   %12 = rms_norm(%11)            // row -> 3 GEMMs only   : bf16
///   %14 = matmul(%12, %13)         // q projection          : bf16
///   %17 = rms_norm_rope(%14 ...)   // row -> attention      : f32
///   %30 = scaled_add(%9, %29, %s)  // residual, row -> row  : f32
///   FusionPlan F = decideFusion(G);
///   decideBf16Storage(G, F);       // fills F.Bf16
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_STORAGEPRECISION_H
#define HYBC_CODEGEN_STORAGEPRECISION_H

#include "codegen/Fusion.h"
#include "ir/Graph.h"

namespace hybc {

/// Fills F.Bf16 with the values of G stored in bf16 (see the file comment).
/// With \p Attention, attention and attention_bwd count as GEMMs for their
/// tensor operands and results (q, k, v, o, dout; o, dq, dk, dv; never lse):
/// their tensor-core kernels round those to bf16 anyway. \p Residual: see
/// the file comment.
void decideBf16Storage(const ir::Graph &G, FusionPlan &F,
                       bool Attention = false, bool Residual = false);

} // namespace hybc

#endif // HYBC_CODEGEN_STORAGEPRECISION_H
