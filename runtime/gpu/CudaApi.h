//===- runtime/gpu/CudaApi.h - Driver entry points (private) ----*- C++ -*-===//
//
/// \file
/// Private to hybc_runtime_gpu: the table of Driver API entry points that
/// CudaDriver resolves with dlsym. Each entry names the field, the exported
/// symbol (the versioned `_v2` names where cuda.h maps to them) and the
/// parameter list; the pointer types are declared here and checked against
/// cuda.h's prototypes with static_assert, so a mismatch fails the build.
/// Only .cpp files of this library include this header (it includes cuda.h).
///
/// Example: `HYBC_CU(api().cuMemFree(Ptr))`.
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_CUDAAPI_H
#define HYBC_RUNTIME_GPU_CUDAAPI_H

#include "runtime/gpu/CudaDriver.h"

#include <cuda.h>

#include <type_traits>

/// X(Field, "exported symbol", (parameter types)).
#define HYBC_CU_FUNCTIONS(X)                                                   \
  X(cuInit, "cuInit", (unsigned int))                                          \
  X(cuDriverGetVersion, "cuDriverGetVersion", (int *))                         \
  X(cuGetErrorString, "cuGetErrorString", (CUresult, const char **))           \
  X(cuGetErrorName, "cuGetErrorName", (CUresult, const char **))               \
  X(cuDeviceGetCount, "cuDeviceGetCount", (int *))                             \
  X(cuDeviceGet, "cuDeviceGet", (CUdevice *, int))                             \
  X(cuDeviceGetName, "cuDeviceGetName", (char *, int, CUdevice))               \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute",                              \
    (int *, CUdevice_attribute, CUdevice))                                     \
  X(cuDeviceTotalMem, "cuDeviceTotalMem_v2", (size_t *, CUdevice))             \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",                      \
    (CUcontext *, CUdevice))                                                   \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice))     \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", (CUcontext))                           \
  X(cuCtxSynchronize, "cuCtxSynchronize", ())                                  \
  X(cuMemGetInfo, "cuMemGetInfo_v2", (size_t *, size_t *))                     \
  X(cuMemAlloc, "cuMemAlloc_v2", (CUdeviceptr *, size_t))                      \
  X(cuMemFree, "cuMemFree_v2", (CUdeviceptr))                                  \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2", (CUdeviceptr, const void *, size_t))      \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2", (void *, CUdeviceptr, size_t))            \
  X(cuMemcpyDtoD, "cuMemcpyDtoD_v2", (CUdeviceptr, CUdeviceptr, size_t))       \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                 \
    (CUdeviceptr, const void *, size_t, CUstream))                             \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                                 \
    (void *, CUdeviceptr, size_t, CUstream))                                   \
  X(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2",                                 \
    (CUdeviceptr, CUdeviceptr, size_t, CUstream))                              \
  X(cuMemsetD8, "cuMemsetD8_v2", (CUdeviceptr, unsigned char, size_t))         \
  X(cuMemsetD8Async, "cuMemsetD8Async",                                        \
    (CUdeviceptr, unsigned char, size_t, CUstream))                            \
  X(cuStreamCreate, "cuStreamCreate", (CUstream *, unsigned int))              \
  X(cuStreamDestroy, "cuStreamDestroy_v2", (CUstream))                         \
  X(cuStreamSynchronize, "cuStreamSynchronize", (CUstream))                    \
  X(cuEventCreate, "cuEventCreate", (CUevent *, unsigned int))                 \
  X(cuEventDestroy, "cuEventDestroy_v2", (CUevent))                            \
  X(cuEventRecord, "cuEventRecord", (CUevent, CUstream))                       \
  X(cuEventSynchronize, "cuEventSynchronize", (CUevent))                       \
  X(cuEventElapsedTime, "cuEventElapsedTime", (float *, CUevent, CUevent))     \
  X(cuModuleLoadData, "cuModuleLoadData", (CUmodule *, const void *))          \
  X(cuModuleUnload, "cuModuleUnload", (CUmodule))                              \
  X(cuModuleGetFunction, "cuModuleGetFunction",                                \
    (CUfunction *, CUmodule, const char *))                                    \
  X(cuFuncGetAttribute, "cuFuncGetAttribute",                                  \
    (int *, CUfunction_attribute, CUfunction))                                 \
  X(cuFuncSetAttribute, "cuFuncSetAttribute",                                  \
    (CUfunction, CUfunction_attribute, int))                                   \
  X(cuLaunchKernel, "cuLaunchKernel",                                          \
    (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,       \
     unsigned int, unsigned int, unsigned int, CUstream, void **, void **))    \
  X(cuStreamBeginCapture, "cuStreamBeginCapture_v2",                           \
    (CUstream, CUstreamCaptureMode))                                           \
  X(cuStreamEndCapture, "cuStreamEndCapture", (CUstream, CUgraph *))           \
  X(cuGraphInstantiate, "cuGraphInstantiateWithFlags",                         \
    (CUgraphExec *, CUgraph, unsigned long long))                              \
  X(cuGraphLaunch, "cuGraphLaunch", (CUgraphExec, CUstream))                   \
  X(cuGraphDestroy, "cuGraphDestroy", (CUgraph))                               \
  X(cuGraphExecDestroy, "cuGraphExecDestroy", (CUgraphExec))

namespace hybc {
namespace gpu {

namespace cuapi {
// One pointer type per entry point, e.g. cuapi::cuMemAllocFn.
#define HYBC_CU_DECLARE_TYPE(Field, Symbol, Params)                            \
  using Field##Fn = CUresult(CUDAAPI *) Params;                                \
  static_assert(std::is_same<Field##Fn, decltype(&::Field)>::value,            \
                "hybc's type for " Symbol " differs from cuda.h");
HYBC_CU_FUNCTIONS(HYBC_CU_DECLARE_TYPE)
#undef HYBC_CU_DECLARE_TYPE
} // namespace cuapi

static_assert(std::is_same<CuDevicePtr, CUdeviceptr>::value,
              "CuDevicePtr must be CUdeviceptr");
static_assert(std::is_same<CuStream, CUstream>::value &&
                  std::is_same<CuContext, CUcontext>::value &&
                  std::is_same<CuGraphExec, CUgraphExec>::value,
              "hybc handle types must be cuda.h's");

/// The resolved entry points (all non-null after a successful load).
struct CudaDriver::Api {
#define HYBC_CU_DECLARE_FIELD(Field, Symbol, Params)                           \
  cuapi::Field##Fn Field = nullptr;
  HYBC_CU_FUNCTIONS(HYBC_CU_DECLARE_FIELD)
#undef HYBC_CU_DECLARE_FIELD
};

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_CUDAAPI_H
