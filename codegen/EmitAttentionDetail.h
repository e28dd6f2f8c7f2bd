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
  /// Tiles set by an AttnTileOverride: no register caps (MinBlocks), which
  /// are tuned for the default tiles.
  bool Overridden = false;
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
/// \p Tiles replaces tensor-core tile choices (errors name a bad one).
llvm::Expected<AttnDims> attentionDimsOf(const ir::TensorType &Q,
                                         const ir::TensorType &K,
                                         const ir::TensorType &V,
                                         const AttnTileOverride &Tiles = {});

/// The attention tensors that may be stored in bf16 (one bit each; lse is
/// always fp32). Forward: q, k, v (operands 0..2), o (result 0); backward:
/// dout, q, k, v, o (operands 0..4), dq, dk, dv (results 0..2).
enum AttnTensor : unsigned {
  AtQ = 1u << 0,
  AtK = 1u << 1,
  AtV = 1u << 2,
  AtO = 1u << 3,
  AtDo = 1u << 4,
  AtDq = 1u << 5,
  AtDk = 1u << 6,
  AtDv = 1u << 7,
};

/// The AttnTensor bits of \p O (attention or attention_bwd) whose values
/// \p C stores in bf16.
unsigned attentionBf16Mask(const ir::Op &O, const EmitContext &C);

/// bufferArg typed `const hybc::bf16 *` / `hybc::bf16 *` when \p Bf16.
KernelArg attentionBufferArg(llvm::StringRef Name, int64_t Elements,
                             unsigned ValueId, bool Output, bool Bf16);

/// Kernel-name suffix of a kernel that touches the tensors \p Used: "" when
/// none of them is in \p Mask, "_bf16io" when all are, else "_bf16io_m"
/// and two hex digits of Mask & Used (AttnTensor bits), so every dtype mix
/// has its own name.
std::string attentionDtypeSuffix(unsigned Mask, unsigned Used);

/// " bf16 in memory: q, k, v." (the tensors of \p Mask), appended to a
/// kernel's header summary; "" when \p Mask is 0.
std::string attentionDtypeNote(unsigned Mask);

/// The forward kernel arguments q, k, v, o, lse (both paths), the tensors
/// of \p Bf16 typed bf16.
std::vector<KernelArg> attentionForwardArgs(const ir::Op &O, const AttnDims &D,
                                            unsigned Bf16);

/// Writes the `static constexpr` shape block (inside namespace hybc_attn,
/// kThreads = \p Threads), the fp32 / bf16 element load and store
/// overloads (`ld`, `st`) and the 8-lane shuffle reductions every
/// attention kernel uses.
void writeAttentionConstants(SourceWriter &W, const AttnDims &D,
                             unsigned Threads = 128);

/// Writes the tensor-core helpers (namespace hybc_attn): bf16x2 packing,
/// ldmatrix, mma.sync m16n8k16, the tile staging (fp32 rounded to bf16, or
/// bf16 copied in 16-byte vectors) and the paired output store `st2`.
/// With attentionUsesWgmma(D), also the sm_90a wgmma helpers.
void writeAttentionMmaHelpers(SourceWriter &W, const AttnDims &D);

/// The tensor-core forward kernel (D.Mma), same ABI as the FFMA one.
std::vector<KernelSpec> emitAttentionForwardMma(const ir::Op &O,
                                                const EmitContext &C,
                                                const AttnDims &D);

/// Dynamic shared memory of the tensor-core dK/dV and dQ kernels.
unsigned attentionMmaBwdSmem(const AttnDims &D, bool DkDv);

/// Kernel bodies (after the parameter list) of the backward pre-pass (both
/// paths) and of the tensor-core dK/dV and dQ kernels
/// (EmitAttentionMmaBwd.cpp).
llvm::StringRef attentionPreBody();
llvm::StringRef attentionMmaDkDvBody();
llvm::StringRef attentionMmaDqBody();

/// The tensor-core kernels of one attention call.
enum class AttnKernel { Fwd, DkDv, Dq };

/// The line that separates the main loop of a tensor-core body from its
/// output stores (shared by the mma.sync and wgmma loops).
constexpr const char *kStoresMarker = "// Stores.";

/// Whether the tensor-core kernels of \p D also carry the sm_90a wgmma
/// loops (EmitAttentionWgmma.cpp): d = 64 at the default tiles.
bool attentionUsesWgmma(const AttnDims &D);

/// " Tensor cores: ..." for kernel header summaries: which MMA
/// instructions the tensor-core kernels of \p D use ("" on the FFMA path).
std::string attentionEngineNote(const AttnDims &D);

/// Dynamic shared memory the wgmma loop of \p Kind needs.
unsigned attentionWgmmaSmem(AttnKernel Kind);

/// The wgmma helpers (inside `#if defined(__CUDA_ARCH_FEAT_SM90_ALL)`;
/// called by writeAttentionMmaHelpers); nothing unless
/// attentionUsesWgmma(D).
void writeAttentionWgmmaHelpers(SourceWriter &W, const AttnDims &D);

/// The sm_90a backward loops (EmitAttentionWgmmaBwd.cpp) and their score
/// helpers (emitted inside namespace hybc_attn with the wgmma helpers).
llvm::StringRef attentionWgmmaBwdHelpers();
llvm::StringRef attentionWgmmaDkDvBody();
llvm::StringRef attentionWgmmaDqBody();

/// Writes \p MmaBody (a tensor-core body with kStoresMarker before its
/// stores); with attentionUsesWgmma(D) its loop becomes the `#else` branch
/// of the sm_90a wgmma loop of \p Kind, and the stores follow both.
void emitAttentionBodies(SourceWriter &W, const AttnDims &D, AttnKernel Kind,
                         llvm::StringRef MmaBody);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITATTENTIONDETAIL_H
