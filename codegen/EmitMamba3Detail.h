//===- codegen/EmitMamba3Detail.h - Mamba-3 emitter internals ---*- C++ -*-===//
///
/// \file
/// Shapes, options, shared-memory layouts and shared device code of the
/// Mamba-3 SISO kernels (EmitMamba3*.cpp). Not a public API.
///
/// The IR op `mamba3` carries {nheads, headdim, dstate, ngroups, angles,
/// chunk, a_act, a_floor, eps, has_d, has_out_norm}; operand 0 (1 for
/// `mamba3_bwd`) is the in_proj output w (B, L, DProj) with the column split
/// [z | x | B | C | dd_dt | dd_A | trap | angles] (docs mamba3.md §1.2).
///
/// Example:
///   auto D = mamba3DimsOf(Op);          // validates, picks the chunk
///   if (!D) return D.takeError();
///   KernelSpec Prep = emitMamba3Prep(Op, *D, Ctx, /*WithRstd=*/false);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITMAMBA3DETAIL_H
#define HYBC_CODEGEN_EMITMAMBA3DETAIL_H

#include "codegen/Emitters.h"
#include "codegen/KernelSpec.h"
#include "codegen/SourceWriter.h"
#include "ir/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hybc {

/// Shapes and options of one Mamba-3 layer call.
struct M3Dims {
  int64_t B = 0, L = 0, H = 0, P = 0, N = 0, G = 1, S = 0;
  int64_t ChunkAttr = 64; ///< The op's chunk attribute.
  int64_t Lc = 64;        ///< Kernel chunk (multiple of 16, <= 64).
  bool Heavy = false, HasD = false, HasOutNorm = false;
  double AFloor = 1e-4, Eps = 1e-5;
  int64_t DI() const { return H * P; }
  int64_t DProj() const { return 2 * DI() + 2 * G * N + 3 * H + S; }
  int64_t numChunks() const { return (L + Lc - 1) / Lc; }
  /// "b2_l1024_h16_p64_n64_g1_s16_c64" plus option suffixes ("_ht" heavy
  /// tail, "_d" skip D, "_on" output norm, "_x<hash>" non-default floats).
  std::string signature() const;
};

/// Reads and validates the attributes and the w operand of a mamba3 or
/// mamba3_bwd op. The kernel chunk is the attribute rounded down to a
/// multiple of 16 and capped at 64 (chunked evaluation is exact for any
/// chunk size, docs mamba3.md §4.3); \p SmemFloats, when given, lowers it
/// further until the layout fits 227 KiB of shared memory.
llvm::Expected<M3Dims>
mamba3DimsOf(const ir::Op &O, int64_t (*SmemFloats)(const M3Dims &) = nullptr);

/// Named float regions of a kernel's dynamic shared memory.
struct SmemLayout {
  std::vector<std::pair<std::string, int64_t>> Regions; ///< name, floats
  void add(llvm::StringRef Name, int64_t Floats) {
    Regions.push_back({Name.str(), Floats});
  }
  /// Total floats with every region aligned to 4 floats.
  int64_t totalFloats() const;
  /// `static constexpr int kSm<Name> = <offset>;` per region.
  void write(SourceWriter &W) const;
};

/// Regions used by the shared chunk loader (Q, K, X, scalars, angles).
void addChunkRegions(SmemLayout &Lay, const M3Dims &D);

/// Device text of the chunk matmuls (chunkMatrix, chunkOutput,
/// stateUpdate); part of the prologue of kernels with a layout.
llvm::StringRef mamba3CoreOpsText();

/// Device text of the backward chunk passes (EmitMamba3BwdOps*.cpp).
llvm::StringRef mamba3BwdOpsTextA();
llvm::StringRef mamba3BwdOpsTextB();
llvm::StringRef mamba3BwdOpsTextC();

/// The core backward kernel `hybc_mamba3_bwd_<sig>` (EmitMamba3BwdCore.cpp)
/// and its shared-memory size in floats (for the chunk choice).
KernelSpec emitMamba3BwdCore(const ir::Op &O, const M3Dims &D,
                             const EmitContext &C);
int64_t mamba3BwdSmemFloats(const M3Dims &D);

/// Writes `namespace hybc_m3 { constants; helpers; chunk loader }`.
/// \p Extra device text goes inside the namespace after the shared code.
void writeMamba3Prologue(SourceWriter &W, const M3Dims &D,
                         const SmemLayout *Lay,
                         llvm::ArrayRef<llvm::StringRef> Extra = {});

/// Scratch buffer names and sizes (elements) shared by the kernels.
struct M3Scratch {
  static constexpr const char *Qn = "m3_qn";         ///< (B,L,G,N) normed C
  static constexpr const char *Kn = "m3_kn";         ///< (B,L,G,N) normed B
  static constexpr const char *Dt = "m3_dt";         ///< (B,H,L) Δ
  static constexpr const char *Adt = "m3_adt";       ///< (B,H,L) A·Δ
  static constexpr const char *Lam = "m3_lam";       ///< (B,H,L) λ
  static constexpr const char *Om = "m3_omega";      ///< (B,L,S) π·tanh(θ)
  static constexpr const char *Rstd = "m3_rstd";     ///< (B,L,2G) 1/rms B, C
  static constexpr const char *States = "m3_states"; ///< (B,H,NC,P,N)
  static constexpr const char *Phis = "m3_phis";     ///< (B,H,NC,S)
  static constexpr const char *Dqh = "m3_dqh";       ///< (B,H,L,N) per-head dq
  static constexpr const char *Dkh = "m3_dkh";       ///< (B,H,L,N) per-head dk
  static constexpr const char *Dth = "m3_dth";       ///< (B,H,L,S) per-head dθ
  static constexpr const char *GDt = "m3_gdt";       ///< (B,H,L) dΔ (core)
  static constexpr const char *GLam = "m3_glam";     ///< (B,H,L) dλ
  static constexpr const char *GAdt = "m3_gadt";     ///< (B,H,L) d(A·Δ)
  static constexpr const char *PBb = "m3_pbb";       ///< (B,H,N) dB_bias parts
  static constexpr const char *PBc = "m3_pbc";       ///< (B,H,N) dC_bias parts
  static constexpr const char *PD = "m3_pd";         ///< (B,H) dD parts
  static constexpr const char *POn = "m3_pon";       ///< (B,DI) dout_norm parts
  static constexpr const char *PTok = "m3_ptok";     ///< (NB,H+2N) post parts
};

/// The per-token pre-pass kernel (split, Δ/A/λ, B/C RMSNorm, ω) of a
/// mamba3 (`hybc_mamba3_fwd_prep_<sig>`) or mamba3_bwd op
/// (`hybc_mamba3_bwd_prep_<sig>`, \p WithRstd: also the 1/rms rows).
KernelSpec emitMamba3Prep(const ir::Op &O, const M3Dims &D,
                          const EmitContext &C, bool WithRstd);

/// The argument of one IR value (operand or result) as a float buffer.
KernelArg irValueArg(llvm::StringRef Name, const ir::Value *V, bool Output);

/// Common fields of a Mamba-3 kernel named `hybc_mamba3_<Stage>_<sig>`.
KernelSpec makeMamba3Spec(const ir::Op &O, const M3Dims &D,
                          llvm::StringRef Stage, unsigned Threads);

/// Header comment + prologue + signature + \p Body, then finishKernel.
void assembleMamba3(KernelSpec &K, const ir::Op &O, const M3Dims &D,
                    const EmitContext &C, const SmemLayout *Lay,
                    llvm::StringRef Summary,
                    llvm::ArrayRef<std::string> BodyLines,
                    llvm::ArrayRef<const char *> BodyText,
                    llvm::ArrayRef<llvm::StringRef> ExtraDevice = {});

/// Largest dynamic shared memory per block on sm_90 (227 KiB).
constexpr int64_t kMaxDynSmemBytes = 232448;

} // namespace hybc

#endif // HYBC_CODEGEN_EMITMAMBA3DETAIL_H
