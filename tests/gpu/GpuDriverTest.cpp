//===- tests/gpu/GpuDriverTest.cpp - Driver, memory, streams, events ------===//
//
/// \file
/// CudaDriver on a real device: initialisation and device attributes,
/// host/device copy round trips (sync and async), memset, memory info,
/// events, and the error text of a failing allocation.
//
//===----------------------------------------------------------------------===//

#include "tests/gpu/GpuFixture.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

using GpuDriver = GpuTest;

TEST_F(GpuDriver, InitialisesAndDescribesTheDevice) {
  const DeviceInfo &I = Driver->device();
  EXPECT_FALSE(I.Name.empty());
  EXPECT_GE(I.CcMajor, 7);
  EXPECT_GT(I.SmCount, 0);
  EXPECT_GE(I.MaxSharedPerBlockOptin, 48 * 1024);
  EXPECT_GT(I.TotalMemBytes, 1ull << 30);
  EXPECT_GE(Driver->driverVersion(), 12000);
  EXPECT_NE(Driver->context(), nullptr);
  llvm::Expected<int> N = Driver->deviceCount();
  HYBC_ASSERT_EXPECTED(N);
  EXPECT_GE(*N, 1);
  std::cout << "device: " << I.Name << " cc " << I.CcMajor << "." << I.CcMinor
            << ", " << I.SmCount << " SMs, driver " << Driver->driverVersion()
            << "\n";
}

TEST_F(GpuDriver, CopyRoundTripSyncAndAsync) {
  const size_t N = 1 << 20;
  std::vector<float> Host = pattern(N, 1);
  DeviceFloats A(*Driver, N), B(*Driver, N);
  HYBC_ASSERT_OK(A.upload(Host));
  HYBC_ASSERT_OK(Driver->memcpyDtoD(B.ptr(), A.ptr(), N * sizeof(float)));
  llvm::Expected<std::vector<float>> Back = B.download();
  HYBC_ASSERT_EXPECTED(Back);
  EXPECT_EQ(*Back, Host);
  llvm::Expected<CuStream> S = Driver->streamCreate();
  HYBC_ASSERT_EXPECTED(S);
  std::vector<float> Other = pattern(N, 2), Out(N);
  HYBC_ASSERT_OK(Driver->memcpyHtoD(A.ptr(), Other.data(), N * 4, *S));
  HYBC_ASSERT_OK(Driver->memcpyDtoD(B.ptr(), A.ptr(), N * 4, *S));
  HYBC_ASSERT_OK(Driver->memcpyDtoH(Out.data(), B.ptr(), N * 4, *S));
  HYBC_ASSERT_OK(Driver->streamSynchronize(*S));
  EXPECT_EQ(Out, Other);
  HYBC_ASSERT_OK(Driver->memsetD8(B.ptr(), 0, N * 4, *S));
  HYBC_ASSERT_OK(Driver->memcpyDtoH(Out.data(), B.ptr(), N * 4, *S));
  HYBC_ASSERT_OK(Driver->streamSynchronize(*S));
  EXPECT_EQ(Out, std::vector<float>(N, 0.0f));
  HYBC_ASSERT_OK(Driver->streamDestroy(*S));
}

TEST_F(GpuDriver, MemoryInfoAndEvents) {
  size_t Free = 0, Total = 0;
  HYBC_ASSERT_OK(Driver->memGetInfo(Free, Total));
  EXPECT_GT(Total, 0u);
  EXPECT_LE(Free, Total);
  llvm::Expected<CuStream> S = Driver->streamCreate();
  HYBC_ASSERT_EXPECTED(S);
  llvm::Expected<CuEvent> E0 = Driver->eventCreate(),
                          E1 = Driver->eventCreate();
  HYBC_ASSERT_EXPECTED(E0);
  HYBC_ASSERT_EXPECTED(E1);
  DeviceFloats Buf(*Driver, 1 << 22);
  HYBC_ASSERT_OK(Driver->eventRecord(*E0, *S));
  HYBC_ASSERT_OK(Driver->memsetD8(Buf.ptr(), 1, 4u << 22, *S));
  HYBC_ASSERT_OK(Driver->eventRecord(*E1, *S));
  HYBC_ASSERT_OK(Driver->eventSynchronize(*E1));
  llvm::Expected<float> Ms = Driver->eventElapsedMs(*E0, *E1);
  HYBC_ASSERT_EXPECTED(Ms);
  EXPECT_GE(*Ms, 0.0f);
  HYBC_ASSERT_OK(Driver->eventDestroy(*E0));
  HYBC_ASSERT_OK(Driver->eventDestroy(*E1));
  HYBC_ASSERT_OK(Driver->streamDestroy(*S));
}

TEST_F(GpuDriver, FailedAllocationNamesCallAndHint) {
  uint64_t TooMuch = Driver->device().TotalMemBytes * 4;
  HYBC_EXPECT_ERROR(Driver->memAlloc(TooMuch).takeError(), "allocating",
                    "cuMemAlloc", "CUDA_ERROR_OUT_OF_MEMORY", "hint:");
  // The context survives an allocation failure.
  DeviceFloats Small(*Driver, 16);
  HYBC_ASSERT_OK(Small.upload(std::vector<float>(16, 1.0f)));
}

} // namespace
