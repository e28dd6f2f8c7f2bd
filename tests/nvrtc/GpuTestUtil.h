//===- tests/nvrtc/GpuTestUtil.h - Shared GPU test helpers ------*- C++ -*-===//
//
/// \file
/// Temporary directories, error matchers and the hand-written CUDA kernels
/// (with their KernelSpecs) shared by tests/nvrtc (no device needed) and
/// tests/gpu (skipped without a device).
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_TESTS_NVRTC_GPUTESTUTIL_H
#define HYBC_TESTS_NVRTC_GPUTESTUTIL_H

#include "codegen/KernelSpec.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include "tests/common/TempDir.h"

#include <string>

namespace hybc {
namespace test {



/// Reads a whole file ("" when missing).
inline std::string readFileText(llvm::StringRef Path) {
  auto B = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                       /*RequiresNullTerminator=*/false);
  return B ? (*B)->getBuffer().str() : std::string();
}

/// Writes \p Bytes to \p Path non-atomically (test fixtures only).
inline void writeRaw(llvm::StringRef Path, llvm::StringRef Bytes) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  ASSERT_FALSE(EC) << EC.message();
  OS << Bytes;
}

/// y = a * x + y over n floats; args (x, y, a, n).
inline const char *saxpySource() {
  return R"(extern "C" __global__ void hybc_test_saxpy(const float *x, float *y,
                                                float a, long long n) {
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}
)";
}

/// x += 1 over n floats; args (x, n).
inline const char *incrementSource() {
  return R"(extern "C" __global__ void hybc_test_increment(float *x,
                                                    long long n) {
  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n)
    x[i] += 1.0f;
}
)";
}

/// Reverses 16384 floats per block through 64 KiB of dynamic shared memory
/// (needs the opt-in above 48 KiB); args (in, out), 256 threads.
inline const char *smemReverseSource() {
  return R"(extern "C" __global__ void hybc_test_smem_reverse(const float *in,
                                                       float *out) {
  extern __shared__ float tile[];
  const int n = 16384;
  const float *src = in + (long long)blockIdx.x * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    tile[i] = src[i];
  __syncthreads();
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    out[(long long)blockIdx.x * n + i] = tile[n - 1 - i];
}
)";
}

/// A helper without __device__: compiles only with NVRTC's -default-device.
inline const char *defaultDeviceSource() {
  return R"(static float twice(float v) { return 2.0f * v; }
extern "C" __global__ void hybc_test_default_device(float *x) {
  x[threadIdx.x] = twice(x[threadIdx.x]);
}
)";
}

/// Does not compile: an undefined identifier on line 2.
inline const char *badSource() {
  return R"(extern "C" __global__ void hybc_test_bad(float *x) {
  x[0] = hybc_undefined_name;
}
)";
}

/// The KernelSpec of saxpySource over \p N elements (256-thread blocks).
inline KernelSpec saxpySpec(int64_t N) {
  KernelSpec S;
  S.Name = "hybc_test_saxpy";
  S.Source = saxpySource();
  S.Family = "test";
  S.Grid[0] = unsigned((N + 255) / 256);
  S.Block[0] = 256;
  S.Args = {{KernelArg::Buffer, "x", "const float *", false, N, 1},
            {KernelArg::Buffer, "y", "float *", true, N, 2},
            {KernelArg::F32, "a", "float", false, 0, 0},
            {KernelArg::I64, "n", "long long", false, 0, 0}};
  return S;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_NVRTC_GPUTESTUTIL_H
