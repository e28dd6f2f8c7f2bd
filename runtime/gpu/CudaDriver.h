//===- runtime/gpu/CudaDriver.h - Driver API via dlopen ---------*- C++ -*-===//
//
/// \file
/// The CUDA Driver API, loaded at run time with `dlopen("libcuda.so.1")` so
/// the `hybc` binary starts on machines without a GPU driver (it is never
/// linked with -lcuda). This header does not include cuda.h: handles are
/// pointers to the driver's opaque structs, device pointers are 64-bit ints.
/// Every CUresult becomes an llvm::Error naming the call, file:line and the
/// driver's error string (HYBC_CU).
///
/// Example:
/// \code
///   llvm::Expected<CudaDriver *> D = CudaDriver::get();
///   if (!D) return D.takeError(); // "no CUDA driver (...): using the CPU
///   backend" llvm::Expected<CuDevicePtr> P = (*D)->memAlloc(1 << 20); if (!P)
///   return P.takeError(); if (llvm::Error E = (*D)->memcpyHtoD(*P,
///   Host.data(), 1 << 20)) return E;
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_CUDADRIVER_H
#define HYBC_RUNTIME_GPU_CUDADRIVER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

// The driver's opaque handle structs (same tags as cuda.h, so the types are
// identical to CUcontext, CUstream, ... in files that include cuda.h).
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;
struct CUgraph_st;
struct CUgraphExec_st;

namespace hybc {
namespace gpu {

using CuDevicePtr = unsigned long long; ///< CUdeviceptr.
using CuContext = CUctx_st *;
using CuModule = CUmod_st *;
using CuFunction = CUfunc_st *;
using CuStream = CUstream_st *; ///< nullptr = the legacy default stream.
using CuEvent = CUevent_st *;
using CuGraph = CUgraph_st *;
using CuGraphExec = CUgraphExec_st *;

/// What the device reports about itself.
struct DeviceInfo {
  int Ordinal = 0;
  std::string Name;
  int CcMajor = 0, CcMinor = 0; ///< Compute capability (9.0 on H100/H200).
  int SmCount = 0;
  int MaxThreadsPerBlock = 0;
  int MaxSharedPerBlockOptin = 0; ///< Bytes of dynamic smem with opt-in.
  int L2Bytes = 0;
  uint64_t TotalMemBytes = 0;
};

/// Resources of a loaded kernel (cuFuncGetAttribute).
struct FunctionAttributes {
  int NumRegs = 0;
  int LocalBytes = 0; ///< Per-thread local memory: register spills.
  int MaxThreads = 0; ///< Max threads per block for this kernel.
  int StaticSharedBytes = 0;
  int MaxDynamicSharedBytes = 0;
  int BinaryVersion = 0; ///< e.g. 90 for sm_90 SASS.
};

/// The loaded driver plus one primary context (device HYBC_DEVICE, default
/// 0) made current on the thread that first called get(). Thread-safe to
/// call from one thread at a time per stream; other threads call
/// makeCurrent() first.
class CudaDriver {
public:
  ~CudaDriver();
  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  /// The process-wide driver: loads HYBC_CUDA_DRIVER (libcuda.so.1), calls
  /// cuInit and retains the primary context of HYBC_DEVICE. Without a driver
  /// the error reads "no CUDA driver (libcuda.so.1 not found): using the CPU
  /// backend". The result (or the error) is computed once.
  static llvm::Expected<CudaDriver *> get();

  /// Loads a driver library at \p Path without touching any device (no
  /// cuInit); for tests and diagnostics.
  static llvm::Expected<std::unique_ptr<CudaDriver>> load(llvm::StringRef Path);

  /// Turns a CUresult into an Error: `<call> failed at <file>:<line>:
  /// CUDA_ERROR_X: <string> (hint: ...)`; success for CUDA_SUCCESS (0).
  /// Uses the driver's cuGetErrorName/String when a driver is loaded.
  static llvm::Error check(int Result, const char *Call, const char *File,
                           int Line);

  /// cuInit(0) and the primary context of device \p Ordinal, made current.
  llvm::Error initDevice(int Ordinal);
  /// Makes this driver's context current on the calling thread.
  llvm::Error makeCurrent();

  int driverVersion() const { return DriverVersion; } ///< e.g. 12080.
  const std::string &libraryPath() const { return Path; }
  const DeviceInfo &device() const { return Device; }
  CuContext context() const { return Context; }
  llvm::Expected<int> deviceCount();
  llvm::Expected<DeviceInfo> queryDevice(int Ordinal);

  // Memory (CudaDriverMem.cpp). A null stream uses the synchronous call.
  llvm::Expected<CuDevicePtr> memAlloc(size_t Bytes);
  llvm::Error memFree(CuDevicePtr Ptr);
  /// Bytes currently allocated through memAlloc, and the most ever at once
  /// (PyTorch's max_memory_allocated counterpart for our own buffers).
  uint64_t allocatedBytes() const { return Allocated; }
  uint64_t peakAllocatedBytes() const { return PeakAllocated; }
  llvm::Error memcpyHtoD(CuDevicePtr Dst, const void *Src, size_t Bytes,
                         CuStream S = nullptr);
  llvm::Error memcpyDtoH(void *Dst, CuDevicePtr Src, size_t Bytes,
                         CuStream S = nullptr);
  llvm::Error memcpyDtoD(CuDevicePtr Dst, CuDevicePtr Src, size_t Bytes,
                         CuStream S = nullptr);
  llvm::Error memsetD8(CuDevicePtr Dst, unsigned char Value, size_t Bytes,
                       CuStream S = nullptr);
  /// Free and total device memory in bytes.
  llvm::Error memGetInfo(size_t &Free, size_t &Total);

  // Streams and events (CudaDriverMem.cpp).
  llvm::Expected<CuStream> streamCreate(bool NonBlocking = true);
  llvm::Error streamDestroy(CuStream S);
  llvm::Error streamSynchronize(CuStream S);
  llvm::Error ctxSynchronize();
  llvm::Expected<CuEvent> eventCreate(bool Timing = true);
  llvm::Error eventDestroy(CuEvent E);
  llvm::Error eventRecord(CuEvent E, CuStream S);
  llvm::Error eventSynchronize(CuEvent E);
  /// Milliseconds between two recorded, completed events.
  llvm::Expected<float> eventElapsedMs(CuEvent Start, CuEvent End);

  // Modules, kernels and graphs (CudaDriverExec.cpp).
  /// Loads a CUBIN (or PTX) image; \p Name only labels errors.
  llvm::Expected<CuModule> moduleLoadData(llvm::StringRef Name,
                                          llvm::ArrayRef<char> Image);
  llvm::Error moduleUnload(CuModule M);
  llvm::Expected<CuFunction> moduleGetFunction(CuModule M,
                                               llvm::StringRef Name);
  llvm::Expected<FunctionAttributes> funcGetAttributes(CuFunction F);
  /// Allows \p Bytes of dynamic shared memory (needed above 48 KiB).
  llvm::Error funcSetMaxDynamicShared(CuFunction F, int Bytes);
  /// cuLaunchKernel; \p Params holds one pointer per kernel argument.
  llvm::Error launchKernel(CuFunction F, const unsigned Grid[3],
                           const unsigned Block[3], unsigned SharedBytes,
                           CuStream S, void **Params);
  /// Starts capturing \p S into a graph (thread-local capture mode).
  llvm::Error streamBeginCapture(CuStream S);
  llvm::Expected<CuGraph> streamEndCapture(CuStream S);
  llvm::Expected<CuGraphExec> graphInstantiate(CuGraph G);
  llvm::Error graphLaunch(CuGraphExec G, CuStream S);
  llvm::Error graphDestroy(CuGraph G);
  llvm::Error graphExecDestroy(CuGraphExec G);

  /// The resolved entry points (defined in CudaApi.h, which includes cuda.h).
  struct Api;
  const Api &api() const { return *Fns; }

private:
  CudaDriver(std::string Path, void *Handle, std::unique_ptr<Api> Fns);

  std::string Path;
  void *Handle = nullptr; ///< dlopen handle.
  std::unique_ptr<Api> Fns;
  int DriverVersion = 0;
  int DeviceOrdinal = -1;
  DeviceInfo Device;
  CuContext Context = nullptr;
  std::mutex AllocMutex;
  llvm::DenseMap<CuDevicePtr, size_t> Sizes; ///< Live memAlloc blocks.
  uint64_t Allocated = 0, PeakAllocated = 0;
};

/// True when CudaDriver::get() succeeds (a driver and a device exist).
bool gpuAvailable();

} // namespace gpu
} // namespace hybc

/// Checks a CUresult-returning driver call:
/// `if (llvm::Error E = HYBC_CU(A.cuMemFree(P))) return E;`
#define HYBC_CU(Call)                                                          \
  ::hybc::gpu::CudaDriver::check(static_cast<int>(Call), #Call, __FILE__,      \
                                 __LINE__)

#endif // HYBC_RUNTIME_GPU_CUDADRIVER_H
