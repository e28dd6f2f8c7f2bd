//===- runtime/gpu/CudaDriverMem.cpp - Memory, streams and events ---------===//
//
/// \file
/// CudaDriver's memory, stream and event calls: thin wrappers that turn each
/// CUresult into an llvm::Error through HYBC_CU. A null stream selects the
/// synchronous variant of a copy or memset.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/CudaApi.h"
#include "runtime/gpu/GpuError.h"

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace gpu {

Expected<CuDevicePtr> CudaDriver::memAlloc(size_t Bytes) {
  CUdeviceptr P = 0;
  if (Bytes == 0)
    return gpuError("cuMemAlloc of 0 bytes (hint: skip empty buffers)");
  if (Error E = HYBC_CU(Fns->cuMemAlloc(&P, Bytes)))
    return withContext("allocating " + Twine(Bytes) + " bytes of device memory",
                       std::move(E));
  std::lock_guard<std::mutex> L(AllocMutex);
  Sizes[P] = Bytes;
  Allocated += Bytes;
  PeakAllocated = std::max(PeakAllocated, Allocated);
  return P;
}

Error CudaDriver::memFree(CuDevicePtr Ptr) {
  if (Ptr == 0)
    return Error::success();
  {
    std::lock_guard<std::mutex> L(AllocMutex);
    auto It = Sizes.find(Ptr);
    if (It != Sizes.end()) {
      Allocated -= It->second;
      Sizes.erase(It);
    }
  }
  return HYBC_CU(Fns->cuMemFree(Ptr));
}

Error CudaDriver::memcpyHtoD(CuDevicePtr Dst, const void *Src, size_t Bytes,
                             CuStream S) {
  if (S)
    return HYBC_CU(Fns->cuMemcpyHtoDAsync(Dst, Src, Bytes, S));
  return HYBC_CU(Fns->cuMemcpyHtoD(Dst, Src, Bytes));
}

Error CudaDriver::memcpyDtoH(void *Dst, CuDevicePtr Src, size_t Bytes,
                             CuStream S) {
  if (S)
    return HYBC_CU(Fns->cuMemcpyDtoHAsync(Dst, Src, Bytes, S));
  return HYBC_CU(Fns->cuMemcpyDtoH(Dst, Src, Bytes));
}

Error CudaDriver::memcpyDtoD(CuDevicePtr Dst, CuDevicePtr Src, size_t Bytes,
                             CuStream S) {
  if (S)
    return HYBC_CU(Fns->cuMemcpyDtoDAsync(Dst, Src, Bytes, S));
  return HYBC_CU(Fns->cuMemcpyDtoD(Dst, Src, Bytes));
}

Error CudaDriver::memsetD8(CuDevicePtr Dst, unsigned char Value, size_t Bytes,
                           CuStream S) {
  if (S)
    return HYBC_CU(Fns->cuMemsetD8Async(Dst, Value, Bytes, S));
  return HYBC_CU(Fns->cuMemsetD8(Dst, Value, Bytes));
}

Error CudaDriver::memGetInfo(size_t &Free, size_t &Total) {
  return HYBC_CU(Fns->cuMemGetInfo(&Free, &Total));
}

Expected<CuStream> CudaDriver::streamCreate(bool NonBlocking) {
  CUstream S = nullptr;
  unsigned Flags = NonBlocking ? CU_STREAM_NON_BLOCKING : CU_STREAM_DEFAULT;
  if (Error E = HYBC_CU(Fns->cuStreamCreate(&S, Flags)))
    return E;
  return S;
}

Error CudaDriver::streamDestroy(CuStream S) {
  if (!S)
    return Error::success();
  return HYBC_CU(Fns->cuStreamDestroy(S));
}

Error CudaDriver::streamSynchronize(CuStream S) {
  return HYBC_CU(Fns->cuStreamSynchronize(S));
}

Error CudaDriver::ctxSynchronize() { return HYBC_CU(Fns->cuCtxSynchronize()); }

Expected<CuEvent> CudaDriver::eventCreate(bool Timing) {
  CUevent Ev = nullptr;
  unsigned Flags = Timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING;
  if (Error E = HYBC_CU(Fns->cuEventCreate(&Ev, Flags)))
    return E;
  return Ev;
}

Error CudaDriver::eventDestroy(CuEvent Ev) {
  if (!Ev)
    return Error::success();
  return HYBC_CU(Fns->cuEventDestroy(Ev));
}

Error CudaDriver::eventRecord(CuEvent Ev, CuStream S) {
  return HYBC_CU(Fns->cuEventRecord(Ev, S));
}

Error CudaDriver::eventSynchronize(CuEvent Ev) {
  return HYBC_CU(Fns->cuEventSynchronize(Ev));
}

Expected<float> CudaDriver::eventElapsedMs(CuEvent Start, CuEvent End) {
  float Ms = 0;
  if (Error E = HYBC_CU(Fns->cuEventElapsedTime(&Ms, Start, End)))
    return E;
  return Ms;
}

} // namespace gpu
} // namespace hybc
