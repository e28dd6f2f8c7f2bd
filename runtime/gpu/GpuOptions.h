//===- runtime/gpu/GpuOptions.h - The HYBC_* knobs --------------*- C++ -*-===//
//
/// \file
/// The one place where the GPU runtime reads environment variables (after
/// Triton's `knobs.py`). Each variable has a type; a malformed value is an
/// error naming the variable and the expected type, e.g.
/// `HYBC_CACHE='maybe': expected a boolean (0/1, true/false, on/off, yes/no)`.
/// A HYBC_* name close to a known one (HYBC_CAHCE) becomes a warning with a
/// "did you mean" hint.
///
/// Example:
/// \code
///   llvm::Expected<const GpuOptions &> O = gpuOptions();
///   if (!O) return O.takeError();
///   if (O->Debug.enabled(1)) llvm::errs() << "cache: " << O->CacheDir << "\n";
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_GPUOPTIONS_H
#define HYBC_RUNTIME_GPU_GPUOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace hybc {
namespace gpu {

/// HYBC_DEBUG=N[,File.cpp][@fn]: a level 0..7 plus optional filters.
/// Levels: 1 stages, cache dir and stats; 2 per-kernel launch stats; 3
/// kernel-choice decisions; 4 generated CUDA; 5 IR after every pass; 6 PTX and
/// NVRTC options; 7 SASS. Each level includes the ones below.
struct DebugSpec {
  unsigned Level = 0;
  std::string File;     ///< Only messages from this source file ("" = any).
  std::string Function; ///< Only messages from this function ("" = any).

  /// True when a message of level \p L from \p FromFile / \p FromFn prints.
  /// \p FromFile may be a full path; its file name is compared.
  bool enabled(unsigned L, llvm::StringRef FromFile = "",
               llvm::StringRef FromFn = "") const;
};

/// Every HYBC_* setting of the GPU runtime, typed and resolved.
struct GpuOptions {
  bool Cache = true; ///< HYBC_CACHE: 0 disables the disk cache.
  std::string
      CacheDir; ///< HYBC_CACHE_DIR, $XDG_CACHE_HOME/hybc, ~/.cache/hybc.
  bool AlwaysCompile = false; ///< HYBC_ALWAYS_COMPILE: ignore cached entries.
  bool AssertCached =
      false;           ///< HYBC_ASSERT_CACHED: a needed compile is an error.
  DebugSpec Debug;     ///< HYBC_DEBUG.
  std::string DumpDir; ///< HYBC_DUMP_DIR ("" = no dumps).
  std::string OverrideDir; ///< HYBC_OVERRIDE_DIR ("" = none).
  std::string Arch;        ///< HYBC_ARCH, e.g. sm_90a ("" = from device).
  bool FastMath = false;   ///< HYBC_FAST_MATH: NVRTC --use_fast_math.
  /// HYBC_GEMM_AUTOTUNE: time cuBLASLt's top algorithms on the first call
  /// of each GEMM shape (0: take the heuristic's first, reproducible runs).
  bool GemmAutotune = true;
  /// HYBC_CUDA_GRAPH: replay each resident micro-step's plan as a CUDA
  /// graph after its first (eager) run; 0 launches everything eagerly.
  bool CudaGraph = true;
  /// HYBC_BF16_RESIDUAL: store the residual stream and activation
  /// gradients in bf16 (as the PG reference); 0 keeps them fp32.
  bool Bf16Residual = true;
  /// HYBC_REMAT: which cheap forward values the backward recomputes
  /// instead of keeping ("norms,acts", "norms", "acts" or "none"). The
  /// default, norms, keeps the MLP activations: on an H200 the baseline
  /// GPT ran 4-5 ms/step faster for 1.1 GiB more (docs/perf.md).
  bool RematNorms = true, RematActs = false;
  /// HYBC_ATTN_TILES "W:BC:STEP": tensor-core attention forward warps, key
  /// tile and backward step (0 = default), for tuning.
  int AttnFwdWarps = 0, AttnFwdBc = 0, AttnBwdStep = 0;
  int Device = 0;          ///< HYBC_DEVICE: CUDA device ordinal.
  std::string CudaDriverPath = "libcuda.so.1"; ///< HYBC_CUDA_DRIVER.
  std::string CudaHome; ///< HYBC_CUDA_HOME, CUDA_HOME, CUDA_PATH, build's.
  std::vector<std::string> Warnings; ///< Likely typos of HYBC_* names.
};

/// Looks one environment variable up (None when unset).
using EnvLookup =
    llvm::function_ref<llvm::Optional<std::string>(llvm::StringRef)>;

/// Parses the options from \p Env. \p EnvNames lists every variable name
/// present (used only for typo warnings). Tests pass a fake environment.
llvm::Expected<GpuOptions>
parseGpuOptions(EnvLookup Env, llvm::ArrayRef<std::string> EnvNames);

/// parseGpuOptions over the process environment.
llvm::Expected<GpuOptions> gpuOptionsFromEnvironment();

/// The process-wide options, parsed on first use (later calls return the
/// same object, or the same error again).
llvm::Expected<const GpuOptions &> gpuOptions();

/// Parses a boolean knob value: 1/0, true/false, on/off, yes/no (any case).
llvm::Expected<bool> parseBoolKnob(llvm::StringRef Var, llvm::StringRef Value);

/// Parses HYBC_DEBUG's value `N[,File.cpp][@fn]`.
llvm::Expected<DebugSpec> parseDebugKnob(llvm::StringRef Value);

/// One documented variable (for `hybc env` and docs/inspect.md).
struct EnvVarInfo {
  const char *Name;
  const char *Type;
  const char *Help;
};

/// Every variable read by parseGpuOptions, in documentation order.
llvm::ArrayRef<EnvVarInfo> gpuEnvVars();

/// Prints every variable with its resolved value, one per line.
void printGpuOptions(llvm::raw_ostream &OS, const GpuOptions &O);

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_GPUOPTIONS_H
