//===- codegen/EmitFamilies.h - Row, loss and embedding emitters -*- C++
//-*-===//
///
/// \file
/// Entry points of the emitter families lowerToKernels calls besides the
/// attention / Mamba-3 ones of codegen/Emitters.h: fused row groups
/// (element-wise, norm, gather ops), the softcapped cross-entropy and the
/// deterministic embedding scatters. Buffer args carry the IR value ids of
/// the instance (ValueId), scratch buffers ValueId 0 and a name.
///
/// Example:
///   FusionPlan F = decideFusion(G);
///   auto Ks = emitRowGroup(F.Groups[0], F, EmitContext{"tiny.hyb"});
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITFAMILIES_H
#define HYBC_CODEGEN_EMITFAMILIES_H

#include "codegen/Emitters.h"
#include "codegen/Fusion.h"

namespace hybc {

/// One kernel for the group, then one column-sum kernel per column-reduced
/// output (RowKernel.h).
llvm::Expected<std::vector<KernelSpec>>
emitRowGroup(const FusionGroup &G, const FusionPlan &F, const EmitContext &C);

/// lm_loss {softcap, per_token}: one block per row computes the softcapped
/// log-sum-exp and the row's nll; for the mean, a second single-block
/// kernel sums the rows in fp64 in row order.
llvm::Expected<std::vector<KernelSpec>> emitLossForward(const ir::Op &O,
                                                        const EmitContext &C);
/// lm_loss_bwd {softcap, scale}: one block per row writes d(scale * mean
/// loss)/dlogits.
llvm::Expected<std::vector<KernelSpec>> emitLossBackward(const ir::Op &O,
                                                         const EmitContext &C);

/// embedding_bwd / bigram_hash_bwd: each block owns a few table rows and
/// gathers the dy rows of their tokens in token order (sort-free,
/// deterministic, no atomics).
llvm::Expected<std::vector<KernelSpec>>
emitEmbeddingBackward(const ir::Op &O, const EmitContext &C);

/// The bf16 copy (value id \p CopyId) of fp32 value \p X that the GEMM of
/// \p User reads (EmitCast.cpp).
KernelSpec emitCastToBf16(const ir::Value &X, unsigned CopyId,
                          const ir::Op &User, const EmitContext &C);
/// The transposed bf16 copy ([C,R] from X's [R,C]) that the GEMM of \p User
/// reads instead of X with a transpose (EmitCast.cpp).
KernelSpec emitCastTransposeToBf16(const ir::Value &X, unsigned CopyId,
                                   const ir::Op &User, const EmitContext &C);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITFAMILIES_H
