//===- compiler/driver/CompileSteps.h - Pieces of `hybc compile` -*- C++
//-*-===//
///
/// \file
/// The training-step graph of a model (as `hybc compile` and `hybc train`
/// build it: B = batch_tokens / (grad_accum * seq_len), T = seq_len, loss
/// scaled by 1 / grad_accum), its lowering to a kernel Plan, and the writers
/// of `--emit cu` (DIR/<kernel>.cu + DIR/manifest.json) and of
/// `--emit ptx|cubin` (the hook for runtime/gpu's NVRTC).
///
/// Example:
///   auto G = buildStepGraph(*M, /*Recurrence=*/false);
///   auto P = lowerToKernels(**G, EmitContext{SpecPath});
///   NamedPlan NP{"train_step", false, (*G)->Batch, (*G)->Time, &*P};
///   if (llvm::Error E = writeKernelSources({NP}, SpecPath, "out", OS)) ...
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_COMPILER_DRIVER_COMPILESTEPS_H
#define HYBC_COMPILER_DRIVER_COMPILESTEPS_H

#include "codegen/Manifest.h"
#include "ir/Graph.h"
#include "ir/Model.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace hybc {

/// Forward + backward graph of one training micro-step (Qat: matrices go
/// through fake_quant, as in the late-QAT phase), rematerialized as the
/// CUDA backend does it under the HYBC_REMAT knob.
llvm::Expected<std::unique_ptr<ir::Graph>>
buildStepGraph(const ir::Model &M, bool Recurrence, bool Qat = false);

/// Writes DIR/<kernel>.cu for every kernel of Plans and DIR/manifest.json
/// (atomic writes; byte-stable), and one summary line to OS.
llvm::Error writeKernelSources(llvm::ArrayRef<NamedPlan> Plans,
                               llvm::StringRef SpecPath, llvm::StringRef Dir,
                               llvm::raw_ostream &OS,
                               const KernelResourceMap *Res = nullptr);

/// `--emit ptx|cubin` hook: should compile every kernel of Plans with
/// runtime/gpu's NVRTC (sm_90a) and write DIR/<kernel>.<Kind> next to the
/// manifest. Not wired yet: returns an error naming the missing piece.
llvm::Error emitKernelBinaries(llvm::ArrayRef<NamedPlan> Plans,
                               llvm::StringRef Kind, llvm::StringRef Dir,
                               llvm::raw_ostream &OS);

} // namespace hybc

#endif // HYBC_COMPILER_DRIVER_COMPILESTEPS_H
