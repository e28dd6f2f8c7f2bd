//===- runtime/gpu/GpuModuleBuild.cpp - Compile and load a plan's kernels -===//
//
/// \file
/// compileAll (NVRTC through the KernelCache on a thread pool; results and
/// errors in spec order) and GpuModule::build (compileAll, then load each
/// CUBIN into the context on the calling thread).
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuError.h"
#include "runtime/gpu/GpuModule.h"

#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

using namespace llvm;

namespace hybc {
namespace gpu {

NvrtcOptions nvrtcOptionsFor(const GpuOptions &O, const DeviceInfo *Device) {
  NvrtcOptions N;
  if (!O.Arch.empty())
    N.Arch = O.Arch;
  else if (Device && Device->CcMajor > 0)
    N.Arch = archForComputeCapability(Device->CcMajor, Device->CcMinor);
  N.FastMath = O.FastMath;
  N.CudaHome = O.CudaHome;
  N.DumpDir = O.DumpDir;
  N.EmitPtx = O.Debug.Level >= 6;
  return N;
}

Expected<std::vector<CachedKernel>> compileAll(KernelCache &Cache,
                                               ArrayRef<KernelSpec> Specs,
                                               const NvrtcOptions &O,
                                               unsigned Threads) {
  std::vector<Optional<CachedKernel>> Results(Specs.size());
  std::vector<std::string> Errors(Specs.size());
  auto CompileOne = [&](size_t I) {
    Expected<CachedKernel> K = Cache.get(Specs[I].Name, Specs[I].Source, O);
    if (K)
      Results[I] = std::move(*K);
    else
      Errors[I] = toString(K.takeError());
  };
  ThreadPoolStrategy S =
      Threads == 0 ? hardware_concurrency() : hardware_concurrency(Threads);
  if (Specs.size() <= 1 || S.compute_thread_count() <= 1) {
    for (size_t I = 0; I < Specs.size(); ++I)
      CompileOne(I);
  } else {
    ThreadPool Pool(S);
    for (size_t I = 0; I < Specs.size(); ++I)
      Pool.async(CompileOne, I);
    Pool.wait();
  }
  std::vector<CachedKernel> Out;
  for (size_t I = 0; I < Specs.size(); ++I) {
    if (!Errors[I].empty())
      return gpuError(Errors[I]);
    Out.push_back(std::move(*Results[I]));
  }
  return Out;
}

Expected<std::unique_ptr<GpuModule>>
GpuModule::build(CudaDriver &D, KernelCache &Cache, ArrayRef<KernelSpec> Specs,
                 const NvrtcOptions &O) {
  Expected<std::vector<CachedKernel>> Compiled = compileAll(Cache, Specs, O);
  if (!Compiled)
    return Compiled.takeError();
  if (Error E = D.makeCurrent())
    return E;
  std::unique_ptr<GpuModule> M(new GpuModule());
  for (size_t I = 0; I < Specs.size(); ++I) {
    Expected<std::unique_ptr<GpuKernel>> K = GpuKernel::load(
        D, Specs[I].Name, (*Compiled)[I].Cubin, Specs[I].SharedBytes);
    if (!K)
      return K.takeError();
    M->Kernels.push_back(std::move(*K));
  }
  return M;
}

} // namespace gpu
} // namespace hybc
