//===- runtime/gpu/CudaDriverExec.cpp - Modules, launches, graphs ---------===//
//
/// \file
/// CudaDriver's module loading, kernel attributes, cuLaunchKernel and CUDA
/// graph capture/instantiate/launch, each CUresult checked with HYBC_CU.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/CudaApi.h"
#include "runtime/gpu/GpuError.h"

using namespace llvm;

namespace hybc {
namespace gpu {

Expected<CuModule> CudaDriver::moduleLoadData(StringRef Name,
                                              ArrayRef<char> Image) {
  if (Image.empty())
    return gpuError("kernel '" + Name +
                    "': empty CUBIN image (hint: clear "
                    "the kernel cache directory and retry)");
  CUmodule M = nullptr;
  if (Error E = HYBC_CU(Fns->cuModuleLoadData(&M, Image.data())))
    return withContext("kernel '" + Name + "': loading its CUBIN (" +
                           Twine(Image.size()) + " bytes, driver " +
                           Twine(DriverVersion) + ")",
                       std::move(E));
  return M;
}

Error CudaDriver::moduleUnload(CuModule M) {
  if (!M)
    return Error::success();
  return HYBC_CU(Fns->cuModuleUnload(M));
}

Expected<CuFunction> CudaDriver::moduleGetFunction(CuModule M, StringRef Name) {
  CUfunction F = nullptr;
  std::string N = Name.str();
  if (Error E = HYBC_CU(Fns->cuModuleGetFunction(&F, M, N.c_str())))
    return withContext("kernel '" + Name +
                           "' not found in its module "
                           "(hint: the source must define extern \"C\" "
                           "__global__ " +
                           Name + ")",
                       std::move(E));
  return F;
}

Expected<FunctionAttributes> CudaDriver::funcGetAttributes(CuFunction F) {
  FunctionAttributes A;
  struct {
    int *Out;
    CUfunction_attribute Attr;
  } Query[] = {
      {&A.NumRegs, CU_FUNC_ATTRIBUTE_NUM_REGS},
      {&A.LocalBytes, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES},
      {&A.MaxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
      {&A.StaticSharedBytes, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES},
      {&A.MaxDynamicSharedBytes,
       CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES},
      {&A.BinaryVersion, CU_FUNC_ATTRIBUTE_BINARY_VERSION},
  };
  for (auto &Q : Query)
    if (Error E = HYBC_CU(Fns->cuFuncGetAttribute(Q.Out, Q.Attr, F)))
      return E;
  return A;
}

Error CudaDriver::funcSetMaxDynamicShared(CuFunction F, int Bytes) {
  return HYBC_CU(Fns->cuFuncSetAttribute(
      F, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, Bytes));
}

Error CudaDriver::launchKernel(CuFunction F, const unsigned Grid[3],
                               const unsigned Block[3], unsigned SharedBytes,
                               CuStream S, void **Params) {
  return HYBC_CU(Fns->cuLaunchKernel(F, Grid[0], Grid[1], Grid[2], Block[0],
                                     Block[1], Block[2], SharedBytes, S, Params,
                                     nullptr));
}

Error CudaDriver::streamBeginCapture(CuStream S) {
  if (!S)
    return gpuError("cannot capture the legacy default stream (hint: create "
                    "a stream with streamCreate())");
  return HYBC_CU(
      Fns->cuStreamBeginCapture(S, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
}

Expected<CuGraph> CudaDriver::streamEndCapture(CuStream S) {
  CUgraph G = nullptr;
  if (Error E = HYBC_CU(Fns->cuStreamEndCapture(S, &G)))
    return E;
  return G;
}

Expected<CuGraphExec> CudaDriver::graphInstantiate(CuGraph G) {
  CUgraphExec X = nullptr;
  if (Error E = HYBC_CU(Fns->cuGraphInstantiate(&X, G, 0)))
    return E;
  return X;
}

Error CudaDriver::graphLaunch(CuGraphExec G, CuStream S) {
  return HYBC_CU(Fns->cuGraphLaunch(G, S));
}

Error CudaDriver::graphDestroy(CuGraph G) {
  if (!G)
    return Error::success();
  return HYBC_CU(Fns->cuGraphDestroy(G));
}

Error CudaDriver::graphExecDestroy(CuGraphExec G) {
  if (!G)
    return Error::success();
  return HYBC_CU(Fns->cuGraphExecDestroy(G));
}

} // namespace gpu
} // namespace hybc
