//===- codegen/EmitCommon.h - Helpers of the row/loss emitters --*- C++ -*-===//
///
/// \file
/// Shared by the emitters of the element-wise, norm, loss, embedding and
/// reduction families (and by the lowering): the `.hir` text of an op for
/// kernel header comments, fp32 literals, a platform-stable hash, and the
/// final assembly of a kernel (deterministic name + header + prelude +
/// body).
///
/// Naming: `hybc_<ops>_<fwd|bwd>_<shape-sig>_<hash8>`, where hash8 is the
/// FNV-1a hash of the kernel body with the name left out. The same body
/// always gets the same name, so identical kernels (e.g. one per layer) are
/// deduplicated by name; different bodies never share a name.
///
/// Example:
///   std::string Body = ...; // uses kKernelNameToken as the function name
///   KernelSpec K;
///   K.Family = "row";
///   assembleKernel(K, "hybc_rms_norm_fwd_r4096_d512", Body, Ops, C, "...");
///   // K.Name == "hybc_rms_norm_fwd_r4096_d512_1f0c99a2"
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITCOMMON_H
#define HYBC_CODEGEN_EMITCOMMON_H

#include "codegen/Emitters.h"
#include "codegen/KernelSpec.h"
#include "ir/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace hybc {

/// Stands for the kernel name in a body until assembleKernel() names it.
constexpr const char *kKernelNameToken = "HYBC_KERNEL_NAME";

/// The `.hir` line of an op without its leading indentation:
/// "%6 = rms_norm(%5) {eps=1.1920929e-07} : f32[32,128,128]  # v0 L8".
std::string irOpText(const ir::Op &O);

/// A C++ float literal that round-trips the fp32 value of V: "1e-05f",
/// "0.5f", "-3.0f".
std::string floatLit(double V);

/// 64-bit FNV-1a of Text (stable across runs and platforms).
uint64_t stableHash(llvm::StringRef Text);

/// Names the kernel Base + "_" + 8 hex digits of the stableHash of Body
/// without its comment lines (kernelCode), replaces
/// kKernelNameToken in Body by the name, and sets K.Source to the header
/// comment (name, family, the IR ops, spec lines, launch, Summary), the
/// prelude and the body. Also fills K.FusedOps and K.SpecLines from Ops.
void assembleKernel(KernelSpec &K, llvm::StringRef Base, llvm::StringRef Body,
                    llvm::ArrayRef<const ir::Op *> Ops, const EmitContext &C,
                    llvm::StringRef Summary);

/// The text of a kernel source without `//` comment lines: what two
/// instances of one kernel name must agree on.
std::string kernelCode(llvm::StringRef Source);

/// A buffer KernelArg of value V ("const float *", "float *" or
/// "const int *" for i32 values).
KernelArg valueArg(llvm::StringRef Name, const ir::Value &V, bool Output);

/// A scratch buffer KernelArg (ValueId 0; Name is the runtime key).
KernelArg scratchBuffer(llvm::StringRef Name, int64_t Elements, bool Output);

/// `static constexpr int|long long Name = V;`
std::string constIntDecl(llvm::StringRef Name, int64_t V);
/// `static constexpr float Name = <floatLit(V)>;`
std::string constFloatDecl(llvm::StringRef Name, double V);

/// `extern "C" __global__ void __launch_bounds__(Threads) NAME(` + one
/// parameter line per arg + `) {`, as lines (callers indent the body).
std::string kernelSignature(llvm::ArrayRef<KernelArg> Args,
                            llvm::StringRef Threads);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITCOMMON_H
