//===- tests/nvrtc/LaunchCheckTest.cpp - Launch validation without a GPU --===//
//
/// \file
/// checkLaunch: argument count and kinds against the KernelSpec, null
/// buffers, grid/block limits, register-limited block size and shared
/// memory, each with a message that names the kernel and argument.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuModule.h"
#include "tests/nvrtc/GpuTestUtil.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

std::vector<LaunchArg> goodArgs() {
  return {LaunchArg::buffer(0x1000), LaunchArg::buffer(0x2000),
          LaunchArg::f32(2.0f), LaunchArg::i64(1000)};
}

FunctionAttributes attrs() {
  FunctionAttributes A;
  A.NumRegs = 32;
  A.MaxThreads = 1024;
  return A;
}

TEST(LaunchCheck, AcceptsAMatchingLaunch) {
  HYBC_ASSERT_OK(checkLaunch(saxpySpec(1000), goodArgs(), attrs(), 232448));
}

TEST(LaunchCheck, ArgumentCountAndKinds) {
  std::vector<LaunchArg> Args = goodArgs();
  Args.pop_back();
  HYBC_EXPECT_ERROR(checkLaunch(saxpySpec(10), Args, attrs(), 0),
                    "kernel 'hybc_test_saxpy': launched with 3 arguments; "
                    "the spec has 4");
  Args = goodArgs();
  Args[2] = LaunchArg::f64(2.0);
  HYBC_EXPECT_ERROR(checkLaunch(saxpySpec(10), Args, attrs(), 0),
                    "argument 2 ('a') is f32 in the spec but f64 was passed");
  Args = goodArgs();
  Args[1] = LaunchArg::buffer(0);
  HYBC_EXPECT_ERROR(checkLaunch(saxpySpec(10), Args, attrs(), 0),
                    "buffer argument 1 ('y', value %2) is null");
}

TEST(LaunchCheck, GridBlockAndResourceLimits) {
  KernelSpec S = saxpySpec(10);
  S.Grid[1] = 70000;
  HYBC_EXPECT_ERROR(checkLaunch(S, goodArgs(), attrs(), 0), "grid (1,70000,1)");
  S = saxpySpec(10);
  S.Block[0] = 2048;
  HYBC_EXPECT_ERROR(checkLaunch(S, goodArgs(), attrs(), 0), "block (2048,1,1)");
  S = saxpySpec(10);
  S.Block[0] = 1024;
  FunctionAttributes Heavy = attrs();
  Heavy.NumRegs = 128;
  Heavy.MaxThreads = 512;
  HYBC_EXPECT_ERROR(checkLaunch(S, goodArgs(), Heavy, 0),
                    "block of 1024 threads exceeds its limit of 512",
                    "128 registers");
  S = saxpySpec(10);
  S.SharedBytes = 300000;
  HYBC_EXPECT_ERROR(checkLaunch(S, goodArgs(), attrs(), 232448),
                    "300000 bytes of shared memory exceed the device's 232448");
}

TEST(LaunchArgs, ValuesAreStoredWhereTheKernelReadsThem) {
  LaunchArg F = LaunchArg::f32(1.5f);
  EXPECT_EQ(*static_cast<float *>(F.address()), 1.5f);
  LaunchArg I = LaunchArg::i64(-7);
  EXPECT_EQ(*static_cast<int64_t *>(I.address()), -7);
  LaunchArg P = LaunchArg::buffer(0xdeadbeef00ull);
  EXPECT_EQ(*static_cast<CuDevicePtr *>(P.address()), 0xdeadbeef00ull);
}

} // namespace
