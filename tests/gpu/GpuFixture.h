//===- tests/gpu/GpuFixture.h - Skip without a GPU --------------*- C++ -*-===//
//
/// \file
/// The fixture every device test derives from: it GTEST_SKIPs with the
/// driver's own message when CudaDriver::get() fails (no libcuda.so.1, no
/// device), and a device buffer that frees itself.
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_TESTS_GPU_GPUFIXTURE_H
#define HYBC_TESTS_GPU_GPUFIXTURE_H

#include "runtime/gpu/CudaDriver.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include <vector>

namespace hybc {
namespace test {

/// Skips the test when no GPU is usable; otherwise Driver is ready.
class GpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::Expected<gpu::CudaDriver *> D = gpu::CudaDriver::get();
    if (!D)
      GTEST_SKIP() << "no GPU: " << llvm::toString(D.takeError());
    Driver = *D;
    HYBC_ASSERT_OK(Driver->makeCurrent());
  }
  gpu::CudaDriver *Driver = nullptr;
};

/// cuMemAlloc'ed floats, freed on destruction.
class DeviceFloats {
public:
  DeviceFloats(gpu::CudaDriver &D, size_t N) : D(D), N(N) {
    llvm::Expected<gpu::CuDevicePtr> P = D.memAlloc(N * sizeof(float));
    EXPECT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
    Ptr = P ? *P : 0;
  }
  ~DeviceFloats() { llvm::consumeError(D.memFree(Ptr)); }
  DeviceFloats(const DeviceFloats &) = delete;
  DeviceFloats &operator=(const DeviceFloats &) = delete;

  gpu::CuDevicePtr ptr() const { return Ptr; }
  llvm::Error upload(const std::vector<float> &Host) {
    return D.memcpyHtoD(Ptr, Host.data(), N * sizeof(float));
  }
  llvm::Expected<std::vector<float>> download() {
    std::vector<float> Host(N);
    if (llvm::Error E = D.memcpyDtoH(Host.data(), Ptr, N * sizeof(float)))
      return E;
    return Host;
  }

private:
  gpu::CudaDriver &D;
  size_t N;
  gpu::CuDevicePtr Ptr = 0;
};

/// Deterministic values in [-1, 1).
inline std::vector<float> pattern(size_t N, unsigned Seed) {
  std::vector<float> V(N);
  uint32_t S = 2654435761u * (Seed + 1);
  for (float &X : V) {
    S = S * 1664525u + 1013904223u;
    X = float(S >> 8) / float(1u << 23) - 1.0f;
  }
  return V;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_GPU_GPUFIXTURE_H
