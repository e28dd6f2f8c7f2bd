//===- codegen/EmitOptimizerDetail.h - Optimizer emitter internals -*- C++
//-*-===//
///
/// \file
/// Helpers shared by EmitOptimizer.cpp, EmitOptimizerMuon.cpp and
/// EmitOptimizerBatched.cpp. Not a public API. Example:
///   KernelSpec K = makeOptimizerSpec("hybc_optim_ema_n16", elementGrid(16),
///                                    256);
///   assembleOptimizer(K, "EMA", {intConst("kN", 16)}, Body);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITOPTIMIZERDETAIL_H
#define HYBC_CODEGEN_EMITOPTIMIZERDETAIL_H

#include "codegen/KernelSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace hybc {

/// Device helpers (namespace hybc_opt: rbf16, elementIndex, u64).
llvm::StringRef optimizerHelpersText();
/// Device code of `blockSum(double)`: a fixed-order tree sum over a
/// 256-thread block (shared array Red); every thread gets the result.
llvm::StringRef blockSumDoubleText();
/// Name, family "optimizer", 1-D grid and block.
KernelSpec makeOptimizerSpec(const std::string &Name, unsigned Grid,
                             unsigned Threads);
/// Header comment, prelude, helpers, \p Consts inside namespace hybc_opt,
/// the signature from K.Args and \p Body.
void assembleOptimizer(KernelSpec &K, llvm::StringRef Summary,
                       llvm::ArrayRef<std::string> Consts,
                       llvm::StringRef Body);
/// ceil(N / 256) blocks for one thread per element.
unsigned elementGrid(int64_t N);
/// `[[maybe_unused]] static constexpr int Name = V;` as one line.
std::string intConst(llvm::StringRef Name, int64_t V);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITOPTIMIZERDETAIL_H
