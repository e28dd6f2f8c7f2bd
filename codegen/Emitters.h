//===- codegen/Emitters.h - Kernel emitter entry points ---------*- C++ -*-===//
///
/// \file
/// The emitters that turn one IR op (or a fused group of ops) into one or
/// more shape-specialized KernelSpecs. `lowerToKernels` (codegen/Lowering.h)
/// calls them; each family lives in its own file:
///   - EmitAttention*.cpp: attention / attention_bwd
///   - EmitMamba3*.cpp:    mamba3 / mamba3_bwd
///   - EmitElementwise.cpp, EmitNorm.cpp, EmitLoss.cpp, EmitEmbedding.cpp,
///     EmitReduce.cpp: every other op (through codegen/EmitCommon.h).
///
/// Buffer args use `KernelArg::ValueId` = the IR value ids of the op's
/// operands/results (inputs first in operand order, then outputs in result
/// order), plus optional scratch buffers with ValueId = 0 and a unique Name
/// (the runtime allocates scratch). Every `KernelSpec::Source` is complete:
/// `hybcPrelude()` followed by the kernel body, no `#include`.
///
/// Example:
///   EmitContext C{"model.hyb"};
///   auto Ks = emitAttentionForward(*AttnOp, C);
///   if (!Ks) return Ks.takeError();
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITTERS_H
#define HYBC_CODEGEN_EMITTERS_H

#include "codegen/KernelSpec.h"
#include "ir/Graph.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hybc {

/// Tile choices of the tensor-core attention kernels that replace the
/// defaults (0 = keep it): forward warps (4 or 8; also the dQ pass's query
/// tile of 16 per warp), forward key tile and backward inner step. Set from
/// HYBC_ATTN_TILES for tuning; the kernels' names do not change.
struct AttnTileOverride {
  int FwdWarps = 0, FwdBc = 0, BwdStep = 0;
  bool any() const { return FwdWarps || FwdBc || BwdStep; }
};

/// What every emitter may need beyond the op itself.
struct EmitContext {
  std::string SpecPath; ///< The .hyb file, for kernel header comments.
  /// Values the lowering stores in bf16 (codegen/StoragePrecision.h); null
  /// or absent = fp32. Emitters that take bf16 buffers type those args
  /// `const hybc::bf16 *` / `hybc::bf16 *` and convert on load/store.
  const llvm::DenseSet<const ir::Value *> *Bf16 = nullptr;
  bool isBf16(const ir::Value *V) const { return Bf16 && Bf16->count(V); }
  AttnTileOverride AttnTiles = {};
};

/// The embedded device prelude (codegen/prelude/hybc_prelude.cuh): bf16
/// helpers, warp/block reductions, fast math and index helpers. Every
/// generated kernel's source starts with it.
llvm::StringRef hybcPrelude();

/// attention (q,k,v) -> (o, lse): causal GQA, scale 1/sqrt(d); shapes from
/// the op.
llvm::Expected<std::vector<KernelSpec>>
emitAttentionForward(const ir::Op &O, const EmitContext &C);
/// attention_bwd (do,q,k,v,o,lse) -> (dq,dk,dv).
llvm::Expected<std::vector<KernelSpec>>
emitAttentionBackward(const ir::Op &O, const EmitContext &C);
/// mamba3 / mamba3_bwd (whole layer between in_proj and out_proj).
llvm::Expected<std::vector<KernelSpec>> emitMamba3Forward(const ir::Op &O,
                                                          const EmitContext &C);
llvm::Expected<std::vector<KernelSpec>>
emitMamba3Backward(const ir::Op &O, const EmitContext &C);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITTERS_H
