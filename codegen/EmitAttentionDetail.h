//===- codegen/EmitAttentionDetail.h - Attention emitter internals -*- C++
//-*-===//
///
/// \file
/// Shapes and tile choices shared by the attention forward and backward
/// emitters (EmitAttention.cpp, EmitAttentionBwd.cpp: FP32 FFMA kernels;
/// EmitAttentionMma.cpp, EmitAttentionMmaBwd.cpp: bf16 tensor-core kernels
/// for head dims that are a multiple of 16). Not a public API.
///
/// Example:
///   auto D = attentionDimsOf(Q->type(), K->type(), V->type());
///   if (!D) return D.takeError();
///   std::string Sig = D->signature(); // "b2_t1024_hq8_hkv4_d64"
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITATTENTIONDETAIL_H
#define HYBC_CODEGEN_EMITATTENTIONDETAIL_H

#include "codegen/Emitters.h"
#include "codegen/SourceWriter.h"
#include "ir/Types.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

/// Shape of one attention call plus the tile sizes the kernels use.
struct AttnDims {
  int64_t B = 0, T = 0, Hq = 0, Hkv = 0, D = 0;
  /// Forward tiles: query rows per block and keys per inner step.
  int64_t FwdBr = 64, FwdBc = 32;
  /// Backward tiles: key rows per dK/dV block, query rows per step (and
  /// the mirrored roles in the dQ pass).
  int64_t BwdBk = 32, BwdBq = 32;
  /// Tensor-core path (mma.sync m16n8k16 bf16, fp32 accumulate): D % 16 == 0.
  /// Then the forward and the dQ pass have FwdWarps warps of 16 query rows
  /// (FwdBr = BwdBq = 16 · FwdWarps), the forward key tiles are FwdBc = 64,
  /// the dK/dV pass has 4 warps of 16 keys (BwdBk = 64) and BwdStep is the
  /// inner tile of both backward passes.
  bool Mma = false;
  int64_t FwdWarps = 4, BwdStep = 64;
  /// "b{B}_t{T}_hq{Hq}_hkv{Hkv}_d{D}".
  std::string signature() const;
  int64_t group() const { return Hq / Hkv; }
};

/// Validates q (B,T,Hq,D), k and v (B,T,Hkv,D) and picks the tiles. Head
/// dims that are a multiple of 16 take the tensor-core path (64-key tiles;
/// forward and dQ blocks of 8 warps / 128 queries and a backward inner
/// step of 64 up to d = 64, else 4 warps / 64 queries and 32); the FFMA
/// fallback uses 64/32 forward and 32/32 backward tiles up to d = 64,
/// 32/16 and 16/16 above (within 48 KiB of static shared memory). Errors
/// name the shape.
llvm::Expected<AttnDims> attentionDimsOf(const ir::TensorType &Q,
                                         const ir::TensorType &K,
                                         const ir::TensorType &V);

/// Writes the `static constexpr` shape block (inside namespace hybc_attn,
/// kThreads = \p Threads) and the 8-lane shuffle reductions every
/// attention kernel uses.
void writeAttentionConstants(SourceWriter &W, const AttnDims &D,
                             unsigned Threads = 128);

/// Writes the tensor-core helpers (namespace hybc_attn): bf16x2 packing,
/// ldmatrix, mma.sync m16n8k16 and the fp32 -> bf16 tile staging.
void writeAttentionMmaHelpers(SourceWriter &W);

/// The tensor-core forward kernel (D.Mma), same ABI as the FFMA one.
std::vector<KernelSpec> emitAttentionForwardMma(const ir::Op &O,
                                                const EmitContext &C,
                                                const AttnDims &D);

/// Dynamic shared memory of the tensor-core dK/dV and dQ kernels.
unsigned attentionMmaBwdSmem(const AttnDims &D, bool DkDv);

/// Kernel bodies (after the parameter list) of the tensor-core dK/dV and
/// dQ kernels (EmitAttentionMmaBwd.cpp).
llvm::StringRef attentionMmaDkDvBody();
llvm::StringRef attentionMmaDqBody();

} // namespace hybc

#endif // HYBC_CODEGEN_EMITATTENTIONDETAIL_H
