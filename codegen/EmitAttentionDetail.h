//===- codegen/EmitAttentionDetail.h - Attention emitter internals -*- C++
//-*-===//
///
/// \file
/// Shapes and tile choices shared by the attention forward and backward
/// emitters (EmitAttention.cpp, EmitAttentionBwd.cpp). Not a public API.
///
/// Example:
///   auto D = attentionDimsOf(Q->type(), K->type(), V->type());
///   if (!D) return D.takeError();
///   std::string Sig = D->signature(); // "b2_t1024_hq8_hkv4_d64"
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITATTENTIONDETAIL_H
#define HYBC_CODEGEN_EMITATTENTIONDETAIL_H

#include "codegen/SourceWriter.h"
#include "ir/Types.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace hybc {

/// Shape of one attention call plus the tile sizes the kernels use.
struct AttnDims {
  int64_t B = 0, T = 0, Hq = 0, Hkv = 0, D = 0;
  /// Forward tiles: query rows per block and keys per inner step.
  int64_t FwdBr = 64, FwdBc = 32;
  /// Backward tiles: key rows per dK/dV block, query rows per step (and
  /// the mirrored roles in the dQ pass).
  int64_t BwdBk = 32, BwdBq = 32;
  /// "b{B}_t{T}_hq{Hq}_hkv{Hkv}_d{D}".
  std::string signature() const;
  int64_t group() const { return Hq / Hkv; }
};

/// Validates q (B,T,Hq,D), k and v (B,T,Hkv,D) and picks the tiles: head
/// dims up to 64 use 64/32 forward and 32/32 backward tiles, up to 128 use
/// 32/16 and 16/16 (every block stays within 48 KiB of static shared
/// memory). Errors name the offending shape.
llvm::Expected<AttnDims> attentionDimsOf(const ir::TensorType &Q,
                                         const ir::TensorType &K,
                                         const ir::TensorType &V);

/// Writes the `static constexpr` shape block (inside namespace hybc_attn)
/// and the 8-lane shuffle reductions every attention kernel uses.
void writeAttentionConstants(SourceWriter &W, const AttnDims &D);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITATTENTIONDETAIL_H
