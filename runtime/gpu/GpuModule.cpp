//===- runtime/gpu/GpuModule.cpp - Loaded kernels and launches ------------===//
//
/// \file
/// LaunchArg, checkLaunch (argument and limit checks with hints) and
/// GpuKernel (module load, attributes, shared-memory opt-in, launch).
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuModule.h"
#include "runtime/gpu/GpuError.h"
#include "runtime/gpu/GpuOptions.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

constexpr unsigned kDefaultSharedLimit = 48 * 1024;

Error checkArgs(const KernelSpec &Spec, ArrayRef<LaunchArg> Args) {
  if (Args.size() != Spec.Args.size())
    return gpuError("kernel '" + Spec.Name + "': launched with " +
                    Twine(Args.size()) + " arguments; the spec has " +
                    Twine(Spec.Args.size()) +
                    " (hint: pass one LaunchArg per "
                    "KernelSpec::Args entry, in order)");
  for (size_t I = 0; I < Args.size(); ++I) {
    const KernelArg &A = Spec.Args[I];
    if (Args[I].K != A.K)
      return gpuError("kernel '" + Spec.Name + "': argument " + Twine(I) +
                      " ('" + A.Name + "') is " + kernelArgKindName(A.K) +
                      " in the spec but " + kernelArgKindName(Args[I].K) +
                      " was passed (hint: keep the spec's ABI order)");
    if (A.K == KernelArg::Buffer && Args[I].Ptr == 0)
      return gpuError("kernel '" + Spec.Name + "': buffer argument " +
                      Twine(I) + " ('" + A.Name + "', value %" +
                      Twine(A.ValueId) +
                      ") is null (hint: the arena has no "
                      "slot for this value)");
  }
  return Error::success();
}

Error checkDims(const KernelSpec &Spec, const FunctionAttributes &Attrs,
                int MaxSharedOptin) {
  const unsigned *G = Spec.Grid, *B = Spec.Block;
  if (G[0] == 0 || G[1] == 0 || G[2] == 0 || G[0] > 0x7fffffffu ||
      G[1] > 65535 || G[2] > 65535)
    return gpuError("kernel '" + Spec.Name + "': grid (" + Twine(G[0]) + "," +
                    Twine(G[1]) + "," + Twine(G[2]) +
                    ") is out of range "
                    "(hint: x in 1..2^31-1, y and z in 1..65535)");
  uint64_t Threads = uint64_t(B[0]) * B[1] * B[2];
  if (Threads == 0 || B[0] > 1024 || B[1] > 1024 || B[2] > 64 || Threads > 1024)
    return gpuError("kernel '" + Spec.Name + "': block (" + Twine(B[0]) + "," +
                    Twine(B[1]) + "," + Twine(B[2]) +
                    ") is out of range "
                    "(hint: at most 1024 threads, z at most 64)");
  if (Attrs.MaxThreads > 0 && Threads > uint64_t(Attrs.MaxThreads))
    return gpuError("kernel '" + Spec.Name + "': block of " + Twine(Threads) +
                    " threads exceeds its limit of " + Twine(Attrs.MaxThreads) +
                    " (it uses " + Twine(Attrs.NumRegs) +
                    " registers per "
                    "thread) (hint: smaller blocks or fewer live values)");
  uint64_t Shared = uint64_t(Spec.SharedBytes) + Attrs.StaticSharedBytes;
  if (MaxSharedOptin > 0 && Shared > uint64_t(MaxSharedOptin))
    return gpuError("kernel '" + Spec.Name + "': " + Twine(Shared) +
                    " bytes of shared memory exceed the device's " +
                    Twine(MaxSharedOptin) + " (hint: smaller tiles)");
  return Error::success();
}

} // namespace

LaunchArg LaunchArg::buffer(CuDevicePtr P) {
  LaunchArg A;
  A.K = KernelArg::Buffer;
  A.Ptr = P;
  return A;
}

LaunchArg LaunchArg::i64(int64_t V) {
  LaunchArg A;
  A.K = KernelArg::I64;
  A.I64 = V;
  return A;
}

LaunchArg LaunchArg::f32(float V) {
  LaunchArg A;
  A.K = KernelArg::F32;
  A.F32 = V;
  return A;
}

LaunchArg LaunchArg::f64(double V) {
  LaunchArg A;
  A.K = KernelArg::F64;
  A.F64 = V;
  return A;
}

Error checkLaunch(const KernelSpec &Spec, ArrayRef<LaunchArg> Args,
                  const FunctionAttributes &Attrs, int MaxSharedOptin) {
  if (Error E = checkArgs(Spec, Args))
    return E;
  return checkDims(Spec, Attrs, MaxSharedOptin);
}

Expected<std::unique_ptr<GpuKernel>> GpuKernel::load(CudaDriver &D,
                                                     StringRef Name,
                                                     StringRef Cubin,
                                                     unsigned DynamicShared) {
  std::unique_ptr<GpuKernel> K(new GpuKernel(D, Name.str()));
  Expected<CuModule> M =
      D.moduleLoadData(Name, ArrayRef<char>(Cubin.data(), Cubin.size()));
  if (!M)
    return M.takeError();
  K->Module = *M;
  Expected<CuFunction> F = D.moduleGetFunction(K->Module, Name);
  if (!F)
    return F.takeError();
  K->Function = *F;
  if (DynamicShared > kDefaultSharedLimit)
    if (Error E = D.funcSetMaxDynamicShared(K->Function, int(DynamicShared)))
      return withContext("kernel '" + Name + "': opting in to " +
                             Twine(DynamicShared) + " bytes of shared memory",
                         std::move(E));
  Expected<FunctionAttributes> A = D.funcGetAttributes(K->Function);
  if (!A)
    return A.takeError();
  K->Attrs = *A;
  Expected<const GpuOptions &> O = gpuOptions();
  unsigned Level = O ? O->Debug.Level : 0;
  if (!O)
    consumeError(O.takeError());
  if (Level >= 2 || (Level >= 1 && K->Attrs.LocalBytes > 0))
    errs() << "hybc: kernel " << Name << ": " << K->Attrs.NumRegs
           << " registers, " << K->Attrs.LocalBytes << " bytes spilled, "
           << K->Attrs.StaticSharedBytes << "+" << DynamicShared
           << " bytes shared, max " << K->Attrs.MaxThreads << " threads\n";
  return K;
}

GpuKernel::~GpuKernel() {
  if (Module)
    consumeError(D.moduleUnload(Module));
}

Error GpuKernel::launch(const KernelSpec &Spec, ArrayRef<LaunchArg> Args,
                        CuStream S) {
  if (Error E =
          checkLaunch(Spec, Args, Attrs, D.device().MaxSharedPerBlockOptin))
    return E;
  return launchRaw(Spec.Grid, Spec.Block, Spec.SharedBytes, Args, S);
}

Error GpuKernel::launchRaw(const unsigned Grid[3], const unsigned Block[3],
                           unsigned SharedBytes, ArrayRef<LaunchArg> Args,
                           CuStream S) {
  SmallVector<LaunchArg, 16> Values(Args.begin(), Args.end());
  SmallVector<void *, 16> Params;
  for (LaunchArg &A : Values)
    Params.push_back(A.address());
  return withContext("kernel '" + Name + "'",
                     D.launchKernel(Function, Grid, Block, SharedBytes, S,
                                    Params.empty() ? nullptr : Params.data()));
}

} // namespace gpu
} // namespace hybc
