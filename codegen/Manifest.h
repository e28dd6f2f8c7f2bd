//===- codegen/Manifest.h - manifest.json of emitted kernels ----*- C++ -*-===//
///
/// \file
/// The JSON index written next to the `.cu` files by `hybc compile --emit
/// cu -o DIR`: every kernel (name, file, family, launch, args, fused IR ops,
/// spec lines) and every plan (its steps: kernel launches with bindings,
/// GEMMs, aliases; its buffers and scratch). Output is byte-stable: objects
/// are written in a fixed key order, lists in plan order.
///
/// Example:
///   NamedPlan NP{"train_step", false, 32, 128, &P};
///   std::string Json = manifestJson("tiny.hyb", {NP});
///   // {"format": "hybc-kernels-v1", "spec": "tiny.hyb", "kernels": [...
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_MANIFEST_H
#define HYBC_CODEGEN_MANIFEST_H

#include "codegen/Plan.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace hybc {

/// One lowered plan and the schedule it was built for.
struct NamedPlan {
  std::string Name; ///< "train_step", "train_step.recur", "...qat".
  bool Recurrence = false;
  int64_t Batch = 0, Time = 0;
  const Plan *P = nullptr;
  bool Qat = false; ///< Late-QAT phase (fake_quant on the matrices).
};

/// What the loaded module says about a kernel (`hybc train --dump-kernels`).
struct KernelResources {
  int Registers = 0;  ///< Per thread.
  int SpillBytes = 0; ///< Local memory per thread (register spills).
  int StaticSharedBytes = 0;
  int MaxThreads = 0; ///< Per block, as the register count allows.
};
using KernelResourceMap = std::map<std::string, KernelResources>;

/// Every kernel of the plans once, in order of first use. Fails when two
/// plans hold different code under one name.
llvm::Expected<std::vector<const KernelSpec *>>
uniqueKernels(llvm::ArrayRef<NamedPlan> Plans);

/// The manifest text (pretty-printed JSON, trailing newline). With \p Res,
/// kernels found in it also get "registers", "spill_bytes",
/// "static_smem" and "max_threads".
llvm::Expected<std::string>
manifestJson(llvm::StringRef SpecPath, llvm::ArrayRef<NamedPlan> Plans,
             const KernelResourceMap *Res = nullptr);

} // namespace hybc

#endif // HYBC_CODEGEN_MANIFEST_H
