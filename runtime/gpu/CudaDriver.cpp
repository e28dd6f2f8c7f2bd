//===- runtime/gpu/CudaDriver.cpp - Loading the Driver API ----------------===//
//
/// \file
/// dlopen of libcuda.so.1, dlsym of every entry point in CudaApi.h, the
/// process-wide singleton with its primary context, device queries and the
/// CUresult -> llvm::Error conversion behind HYBC_CU.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/CudaApi.h"
#include "runtime/gpu/GpuError.h"
#include "runtime/gpu/GpuOptions.h"

#include "llvm/ADT/Twine.h"

#include <atomic>
#include <dlfcn.h>
#include <mutex>

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

/// The entry points that name errors: the first live driver's.
std::atomic<const CudaDriver::Api *> ErrorApi{nullptr};

const char *hintFor(int Result) {
  switch (Result) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return "the device is out of memory: lower the batch size or check other "
           "processes with nvidia-smi";
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
    return "check CUDA_VISIBLE_DEVICES, HYBC_DEVICE and nvidia-smi";
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
  case CUDA_ERROR_INVALID_IMAGE:
  case CUDA_ERROR_INVALID_PTX:
    return "the CUBIN does not fit this GPU or driver: check HYBC_ARCH, that "
           "the driver is at least as new as NVRTC, or clear HYBC_CACHE_DIR";
  case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
    return "registers x threads or shared memory exceed the SM: HYBC_DEBUG=2 "
           "prints each kernel's registers";
  case CUDA_ERROR_ILLEGAL_ADDRESS:
  case CUDA_ERROR_LAUNCH_FAILED:
  case CUDA_ERROR_MISALIGNED_ADDRESS:
    return "a kernel accessed memory out of bounds; the context is lost: rerun "
           "under compute-sanitizer, HYBC_DEBUG=2 names each launch";
  case CUDA_ERROR_INVALID_CONTEXT:
    return "no current context on this thread: call makeCurrent() first";
  case CUDA_ERROR_NOT_INITIALIZED:
    return "cuInit was not called: use CudaDriver::get()";
  case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED:
  case CUDA_ERROR_STREAM_CAPTURE_INVALIDATED:
  case CUDA_ERROR_STREAM_CAPTURE_IMPLICIT:
    return "a synchronous call ran while a graph was being captured";
  case CUDA_ERROR_STUB_LIBRARY:
    return "this is the CUDA toolkit's stub libcuda, not a driver: remove "
           "the stubs directory from LD_LIBRARY_PATH or set HYBC_CUDA_DRIVER";
  case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
  case CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE:
    return "the user-mode driver and the kernel module differ: reinstall the "
           "NVIDIA driver or reboot";
  case CUDA_ERROR_INVALID_VALUE:
    return "an argument is out of range (grid/block, shared memory above the "
           "opt-in limit, null pointer)";
  default:
    return "see the CUDA Driver API documentation for this code";
  }
}

/// Names of common results, for when no driver can name them (stubs, tests).
const char *fallbackName(int Result) {
#define HYBC_CU_NAME(X)                                                        \
  case X:                                                                      \
    return #X;
  switch (Result) {
    HYBC_CU_NAME(CUDA_ERROR_INVALID_VALUE)
    HYBC_CU_NAME(CUDA_ERROR_OUT_OF_MEMORY)
    HYBC_CU_NAME(CUDA_ERROR_NOT_INITIALIZED)
    HYBC_CU_NAME(CUDA_ERROR_STUB_LIBRARY)
    HYBC_CU_NAME(CUDA_ERROR_NO_DEVICE)
    HYBC_CU_NAME(CUDA_ERROR_INVALID_DEVICE)
    HYBC_CU_NAME(CUDA_ERROR_INVALID_IMAGE)
    HYBC_CU_NAME(CUDA_ERROR_INVALID_CONTEXT)
    HYBC_CU_NAME(CUDA_ERROR_NO_BINARY_FOR_GPU)
    HYBC_CU_NAME(CUDA_ERROR_INVALID_PTX)
    HYBC_CU_NAME(CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
    HYBC_CU_NAME(CUDA_ERROR_NOT_FOUND)
    HYBC_CU_NAME(CUDA_ERROR_ILLEGAL_ADDRESS)
    HYBC_CU_NAME(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
    HYBC_CU_NAME(CUDA_ERROR_LAUNCH_FAILED)
    HYBC_CU_NAME(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH)
  default:
    return "CUDA_ERROR";
  }
#undef HYBC_CU_NAME
}

/// Drops a leading `api().` / `A.` / `Fns->` so the message names the call.
StringRef callText(StringRef Call) {
  size_t P = Call.find("cu");
  if (P != StringRef::npos && P > 0 && P < 16 &&
      (Call[P - 1] == '.' || Call[P - 1] == '>'))
    return Call.drop_front(P);
  return Call;
}

bool isNotFound(StringRef DlError) {
  return DlError.contains("No such file") ||
         DlError.contains("cannot open shared object file");
}

} // namespace

Error CudaDriver::check(int Result, const char *Call, const char *File,
                        int Line) {
  if (Result == CUDA_SUCCESS)
    return Error::success();
  const char *Name = nullptr, *Text = nullptr;
  if (const Api *A = ErrorApi.load()) {
    A->cuGetErrorName(static_cast<CUresult>(Result), &Name);
    A->cuGetErrorString(static_cast<CUresult>(Result), &Text);
  }
  return gpuError(callText(Call) + " failed at " + File + ":" + Twine(Line) +
                  ": " + (Name ? Name : fallbackName(Result)) + " (" +
                  Twine(Result) + "): " + (Text ? Text : "unknown error") +
                  " (hint: " + hintFor(Result) + ")");
}

CudaDriver::CudaDriver(std::string Path, void *Handle, std::unique_ptr<Api> Fns)
    : Path(std::move(Path)), Handle(Handle), Fns(std::move(Fns)) {}

CudaDriver::~CudaDriver() {
  // The library stays loaded: unloading libcuda while the process runs is
  // unsafe, and the primary context is shared with cuBLAS.
  if (Context && DeviceOrdinal >= 0)
    Fns->cuDevicePrimaryCtxRelease(DeviceOrdinal);
  const Api *Mine = Fns.get();
  ErrorApi.compare_exchange_strong(Mine, nullptr);
}

Expected<std::unique_ptr<CudaDriver>> CudaDriver::load(StringRef Path) {
  std::string P = Path.str();
  void *H = ::dlopen(P.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!H) {
    const char *Why = ::dlerror();
    StringRef Err = Why ? Why : "unknown dlopen error";
    if (isNotFound(Err))
      return gpuError("no CUDA driver (" + Path +
                      " not found): using the CPU backend");
    return gpuError("no CUDA driver (" + Path + " could not be loaded: " + Err +
                    "): using the CPU backend (hint: check the NVIDIA driver "
                    "installation or HYBC_CUDA_DRIVER)");
  }
  auto Fns = std::make_unique<Api>();
#define HYBC_CU_RESOLVE(Field, Symbol, Params)                                 \
  Fns->Field = reinterpret_cast<cuapi::Field##Fn>(::dlsym(H, Symbol));         \
  if (!Fns->Field)                                                             \
    return gpuError("CUDA driver '" + Path +                                   \
                    "' lacks entry point '" Symbol                             \
                    "' (hint: the NVIDIA driver is too old for hybc; install " \
                    "a CUDA 12 or newer driver)");
  HYBC_CU_FUNCTIONS(HYBC_CU_RESOLVE)
#undef HYBC_CU_RESOLVE
  std::unique_ptr<CudaDriver> D(new CudaDriver(P, H, std::move(Fns)));
  const Api *None = nullptr; // The first driver loaded names errors.
  ErrorApi.compare_exchange_strong(None, D->Fns.get());
  if (Error E = HYBC_CU(D->Fns->cuDriverGetVersion(&D->DriverVersion)))
    return E;
  return D;
}

Expected<CudaDriver *> CudaDriver::get() {
  static std::once_flag Once;
  static CudaDriver *Instance = nullptr; // Leaked: see ~CudaDriver.
  static std::string LoadError;
  std::call_once(Once, [] {
    Expected<const GpuOptions &> O = gpuOptions();
    if (!O) {
      LoadError = toString(O.takeError());
      return;
    }
    Expected<std::unique_ptr<CudaDriver>> D = load(O->CudaDriverPath);
    if (!D) {
      LoadError = toString(D.takeError());
      return;
    }
    if (Error E = (*D)->initDevice(O->Device)) {
      LoadError = toString(std::move(E));
      return;
    }
    Instance = D->release();
  });
  if (!Instance)
    return gpuError(LoadError);
  return Instance;
}

bool gpuAvailable() {
  Expected<CudaDriver *> D = CudaDriver::get();
  if (!D) {
    consumeError(D.takeError());
    return false;
  }
  return true;
}

Error CudaDriver::initDevice(int Ordinal) {
  if (Error E = HYBC_CU(Fns->cuInit(0)))
    return E;
  Expected<int> Count = deviceCount();
  if (!Count)
    return Count.takeError();
  if (Ordinal < 0 || Ordinal >= *Count)
    return gpuError("CUDA device " + Twine(Ordinal) + " does not exist; " +
                    Twine(*Count) +
                    " visible (hint: check HYBC_DEVICE and "
                    "CUDA_VISIBLE_DEVICES)");
  CUdevice Dev = 0;
  if (Error E = HYBC_CU(Fns->cuDeviceGet(&Dev, Ordinal)))
    return E;
  if (Error E = HYBC_CU(Fns->cuDevicePrimaryCtxRetain(&Context, Dev)))
    return E;
  DeviceOrdinal = Dev;
  if (Error E = makeCurrent())
    return E;
  Expected<DeviceInfo> Info = queryDevice(Ordinal);
  if (!Info)
    return Info.takeError();
  Device = std::move(*Info);
  return Error::success();
}

Error CudaDriver::makeCurrent() {
  if (!Context)
    return gpuError("no CUDA context to make current (hint: call "
                    "CudaDriver::get() or initDevice() first)");
  return HYBC_CU(Fns->cuCtxSetCurrent(Context));
}

Expected<int> CudaDriver::deviceCount() {
  int N = 0;
  if (Error E = HYBC_CU(Fns->cuDeviceGetCount(&N)))
    return E;
  return N;
}

Expected<DeviceInfo> CudaDriver::queryDevice(int Ordinal) {
  DeviceInfo I;
  I.Ordinal = Ordinal;
  CUdevice Dev = 0;
  if (Error E = HYBC_CU(Fns->cuDeviceGet(&Dev, Ordinal)))
    return E;
  char Name[256] = {0};
  if (Error E = HYBC_CU(Fns->cuDeviceGetName(Name, sizeof(Name) - 1, Dev)))
    return E;
  I.Name = Name;
  struct {
    int *Out;
    CUdevice_attribute Attr;
  } Attrs[] = {
      {&I.CcMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR},
      {&I.CcMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR},
      {&I.SmCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT},
      {&I.MaxThreadsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
      {&I.MaxSharedPerBlockOptin,
       CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN},
      {&I.L2Bytes, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE},
  };
  for (auto &A : Attrs)
    if (Error E = HYBC_CU(Fns->cuDeviceGetAttribute(A.Out, A.Attr, Dev)))
      return E;
  size_t Total = 0;
  if (Error E = HYBC_CU(Fns->cuDeviceTotalMem(&Total, Dev)))
    return E;
  I.TotalMemBytes = Total;
  return I;
}

} // namespace gpu
} // namespace hybc
