//===- runtime/gpu/Nvrtc.h - CUDA C++ -> PTX + CUBIN with NVRTC -*- C++ -*-===//
//
/// \file
/// Compiles one generated kernel with NVRTC, without a GPU. The options are
/// built from NvrtcOptions in a fixed order (they are part of the kernel
/// cache key). Generated sources are header-free (codegen emits its own
/// prelude), so no `-I` is passed unless IncludeCudaHeaders is set.
///
/// On failure the exact source is saved to `<DumpDir>/failed/<name>.cu` (or
/// `<tmp>/hybc-failed/<name>.cu`) and the Error carries the NVRTC status,
/// the options, the full program log, that path and a one-line repro:
/// \code
///   nvrtc: kernel 'hybc_bad' failed to compile: NVRTC_ERROR_COMPILATION
///   options: --gpu-architecture=sm_90a -default-device --std=c++17
///   log:
///   hybc_bad.cu(3): error: identifier "y" is undefined
///   source: /tmp/hybc-failed/hybc_bad.cu
///   repro: nvcc -arch=sm_90a -std=c++17 -cubin -o /dev/null /tmp/...cu
/// \endcode
///
/// Example:
/// \code
///   NvrtcOptions O; // sm_90a
///   llvm::Expected<CompiledKernel> K = compileKernel("hybc_k", Src, O);
///   if (!K) return K.takeError();
///   use(K->Cubin);
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_NVRTC_H
#define HYBC_RUNTIME_GPU_NVRTC_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hybc {
namespace gpu {

/// How to compile. Everything but DumpDir enters the cache key.
struct NvrtcOptions {
  std::string Arch = "sm_90a";     ///< Real architecture (CUBIN target).
  bool FastMath = false;           ///< --use_fast_math (off: exact fp32 ops).
  bool IncludeCudaHeaders = false; ///< -I<CudaHome>/include (cuda_bf16.h).
  std::string CudaHome = "/usr/local/cuda"; ///< Used with IncludeCudaHeaders.
  bool LineInfo = false;          ///< -lineinfo (for profilers/sanitizers).
  bool Minimal = true;            ///< --minimal when NVRTC >= 12.4 (faster).
  bool EmitPtx = true;            ///< Also return the PTX text.
  std::vector<std::string> Extra; ///< Appended verbatim.
  std::string DumpDir;            ///< Failed sources go to DumpDir/failed/.

  /// The option strings passed to nvrtcCompileProgram, in order.
  std::vector<std::string> toArgs() const;
};

/// The products of one successful compile.
struct CompiledKernel {
  std::string Name;
  std::string Ptx;   ///< Empty unless NvrtcOptions::EmitPtx.
  std::string Cubin; ///< ELF image for cuModuleLoadData.
  std::string Log;   ///< NVRTC warnings (often empty).
};

/// NVRTC's version, e.g. {13, 0}.
struct NvrtcVersion {
  int Major = 0, Minor = 0;
};

/// The version of the linked NVRTC library.
NvrtcVersion nvrtcVersion();

/// The real architecture for a device: sm_90a for 9.0 (Hopper, wgmma/TMA),
/// sm_100a/sm_120a for 10.x/12.x, plain sm_XY otherwise.
std::string archForComputeCapability(int Major, int Minor);

/// "sm_90a" -> "sm90a" (for file names).
std::string archTag(llvm::StringRef Arch);

/// A file-name-safe stem for a kernel name: characters outside
/// [A-Za-z0-9_.-] become '_', cut to 120 characters.
std::string fileStemFor(llvm::StringRef KernelName);

/// Compiles \p Source (which defines extern "C" __global__ \p Name) for
/// O.Arch. Thread-safe (NVRTC programs are independent).
llvm::Expected<CompiledKernel> compileKernel(llvm::StringRef Name,
                                             llvm::StringRef Source,
                                             const NvrtcOptions &O);

/// Writes \p Source to `<DumpDir>/failed/<Name>.cu` (or the system temp
/// dir's `hybc-failed/`) and returns the path.
llvm::Expected<std::string> saveFailedSource(llvm::StringRef Name,
                                             llvm::StringRef Source,
                                             llvm::StringRef DumpDir);

/// A one-line nvcc command that compiles the saved source with the same
/// architecture (NVRTC-only flags such as -default-device are dropped).
std::string reproCommand(llvm::StringRef SourcePath, const NvrtcOptions &O);

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_NVRTC_H
