//===- codegen/EmitFamilyUtil.h - Helpers of the heavy emitters -*- C++ -*-===//
///
/// \file
/// Small helpers shared by the attention, Mamba-3 and optimizer emitters:
/// buffer/scalar KernelArg constructors, the kernel parameter list, the
/// provenance header comment, verbatim device-code blocks and the final
/// assembly of a KernelSpec source (prelude + body). Everything here is
/// deterministic: the same inputs give byte-identical text.
///
/// Example:
///   KernelSpec K;
///   K.Name = "hybc_attention_fwd_b2_t64_hq4_hkv2_d16";
///   K.Args.push_back(bufferArg("q", 2048, Q->id(), /*Output=*/false));
///   SourceWriter W;
///   writeKernelHeader(W, K, {opText(O)}, specLineText(O, C), "FA2 forward");
///   W.line("static constexpr int kT = 64;");
///   emitVerbatim(W, kDeviceBody);
///   finishKernel(K, W);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITFAMILYUTIL_H
#define HYBC_CODEGEN_EMITFAMILYUTIL_H

#include "codegen/Emitters.h"
#include "codegen/KernelSpec.h"
#include "codegen/SourceWriter.h"
#include "ir/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace hybc {

/// A float buffer argument ("const float *" or "float *" when \p Output).
KernelArg bufferArg(llvm::StringRef Name, int64_t Elements, unsigned ValueId,
                    bool Output);
/// A scratch float buffer (Scratch set, ValueId 0); \p Name is also its
/// runtime key (Plan::Scratch).
KernelArg scratchArg(llvm::StringRef Name, int64_t Elements, bool Output);
/// A float buffer that is neither an IR value nor scratch (optimizer
/// tensors): ValueId 0, Scratch unset; the runtime binds it by ABI position.
KernelArg roleBufferArg(llvm::StringRef Name, int64_t Elements, bool Output);
/// A scalar argument of kind F32 ("float"), F64 ("double") or I64
/// ("long long").
KernelArg scalarArg(KernelArg::Kind K, llvm::StringRef Name);

/// "%12, %13 = attention(%9, %10, %11)" (values and op name only).
std::string opText(const ir::Op &O);
/// "model.hyb:7" (or "<unknown>:0" style fallbacks) for the header comment.
std::string specLineText(const ir::Op &O, const EmitContext &C);

/// Header comment: kernel name, the IR ops, the spec line, a summary and
/// the launch configuration recorded in \p K.
void writeKernelHeader(SourceWriter &W, const KernelSpec &K,
                       llvm::ArrayRef<std::string> Ops,
                       llvm::StringRef SpecLine, llvm::StringRef Summary);

/// Writes \p Text line by line (its own indentation is kept relative to
/// the writer's current indentation; trailing blanks are dropped).
void emitVerbatim(SourceWriter &W, llvm::StringRef Text);

/// Opens `extern "C" __global__ void __launch_bounds__(Threads) Name(...)`
/// with one parameter per KernelArg of \p K, in ABI order. \p MinBlocks > 0
/// adds the minimum-blocks-per-SM bound (1 lifts ptxas' register cap for
/// kernels that are limited to one block per SM by shared memory anyway).
void openKernel(SourceWriter &W, const KernelSpec &K, unsigned Threads,
                unsigned MinBlocks = 0);

/// `static constexpr int Name = V;` (64-bit when V does not fit in int).
void constInt(SourceWriter &W, llvm::StringRef Name, int64_t V);
/// `static constexpr float Name = V;` with a round-trip decimal literal.
void constFloat(SourceWriter &W, llvm::StringRef Name, double V);

/// Sets K.Source = hybcPrelude() + the writer's text.
void finishKernel(KernelSpec &K, const SourceWriter &W);

/// Records the op provenance (FusedOps, SpecLines) of \p O in \p K.
void addProvenance(KernelSpec &K, const ir::Op &O);

/// Ceiling division for positive integers.
inline int64_t ceilDiv(int64_t A, int64_t B) { return (A + B - 1) / B; }

} // namespace hybc

#endif // HYBC_CODEGEN_EMITFAMILYUTIL_H
