//===- runtime/gpu/GpuModule.h - Loaded kernels and launches ----*- C++ -*-===//
//
/// \file
/// A GpuKernel is one CUBIN loaded into the current context with its
/// function handle and resources (registers, spills, shared memory); it
/// launches a KernelSpec with the buffer pointers and scalars in ABI order,
/// after checking them against the spec and the device limits. A GpuModule
/// is every kernel of a Plan: compiled through the KernelCache (in parallel)
/// and loaded.
///
/// Example:
/// \code
///   auto M = GpuModule::build(*Driver, Cache, Plan.Kernels, NvrtcOpts);
///   if (!M) return M.takeError();
///   LaunchArg Args[] = {LaunchArg::buffer(X), LaunchArg::buffer(Y)};
///   if (llvm::Error E = (*M)->kernel(0).launch(Plan.Kernels[0], Args, S))
///     return E;
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_GPUMODULE_H
#define HYBC_RUNTIME_GPU_GPUMODULE_H

#include "codegen/KernelSpec.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/KernelCache.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace hybc {
namespace gpu {

/// One kernel argument value, in KernelSpec::Args order.
struct LaunchArg {
  KernelArg::Kind K = KernelArg::Buffer;
  union {
    CuDevicePtr Ptr;
    int64_t I64;
    float F32;
    double F64;
  };
  LaunchArg() : Ptr(0) {}
  static LaunchArg buffer(CuDevicePtr P);
  static LaunchArg i64(int64_t V);
  static LaunchArg f32(float V);
  static LaunchArg f64(double V);
  /// Address of the value, as cuLaunchKernel's kernelParams wants.
  void *address() { return static_cast<void *>(&Ptr); }
};

/// Checks a launch without a GPU: argument count and kinds against \p Spec,
/// null buffers, grid/block limits, block size against the kernel's
/// MaxThreads (registers) and shared memory against \p MaxSharedOptin.
llvm::Error checkLaunch(const KernelSpec &Spec, llvm::ArrayRef<LaunchArg> Args,
                        const FunctionAttributes &Attrs, int MaxSharedOptin);

/// A loaded CUBIN with one entry point. Unloads the module on destruction.
class GpuKernel {
public:
  /// Loads \p Cubin, looks up extern "C" \p Name, reads its attributes and
  /// opts in to \p DynamicShared bytes of shared memory when above 48 KiB.
  static llvm::Expected<std::unique_ptr<GpuKernel>>
  load(CudaDriver &D, llvm::StringRef Name, llvm::StringRef Cubin,
       unsigned DynamicShared = 0);
  ~GpuKernel();
  GpuKernel(const GpuKernel &) = delete;
  GpuKernel &operator=(const GpuKernel &) = delete;

  llvm::StringRef name() const { return Name; }
  CuFunction function() const { return Function; }
  const FunctionAttributes &attributes() const { return Attrs; }

  /// checkLaunch, then cuLaunchKernel with Spec's grid, block and shared size.
  llvm::Error launch(const KernelSpec &Spec, llvm::ArrayRef<LaunchArg> Args,
                     CuStream S);
  /// Launch with an explicit configuration (no spec checks).
  llvm::Error launchRaw(const unsigned Grid[3], const unsigned Block[3],
                        unsigned SharedBytes, llvm::ArrayRef<LaunchArg> Args,
                        CuStream S);

private:
  GpuKernel(CudaDriver &D, std::string Name) : D(D), Name(std::move(Name)) {}

  CudaDriver &D;
  std::string Name;
  CuModule Module = nullptr;
  CuFunction Function = nullptr;
  FunctionAttributes Attrs;
};

/// Every kernel of a plan, compiled (KernelCache) and loaded, by index.
class GpuModule {
public:
  /// Compiles all \p Specs through \p Cache (in parallel; the first error,
  /// in spec order, is returned) and loads them into \p D's context.
  static llvm::Expected<std::unique_ptr<GpuModule>>
  build(CudaDriver &D, KernelCache &Cache, llvm::ArrayRef<KernelSpec> Specs,
        const NvrtcOptions &O);

  size_t size() const { return Kernels.size(); }
  GpuKernel &kernel(size_t I) { return *Kernels[I]; }

private:
  std::vector<std::unique_ptr<GpuKernel>> Kernels;
};

/// The NVRTC options the HYBC_* knobs select for \p Device: arch from
/// HYBC_ARCH, else the device's compute capability, else sm_90a; fast math
/// from HYBC_FAST_MATH; CUDA home and dump directory; PTX kept at
/// HYBC_DEBUG>=6 (debug levels never change the compiled CUBIN or its key).
NvrtcOptions nvrtcOptionsFor(const GpuOptions &O,
                             const DeviceInfo *Device = nullptr);

/// Compiles every spec through \p Cache on up to \p Threads threads (0 = all
/// cores); results in spec order, or the first error in spec order.
llvm::Expected<std::vector<CachedKernel>>
compileAll(KernelCache &Cache, llvm::ArrayRef<KernelSpec> Specs,
           const NvrtcOptions &O, unsigned Threads = 0);

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_GPUMODULE_H
