//===- tests/nvrtc/CudaDriverLoadTest.cpp - Driver loading without a GPU --===//
//
/// \file
/// CudaDriver::load's error paths (no library, not a library, a library
/// lacking entry points), the HYBC_CU message format, and that get() and
/// gpuAvailable() agree (on a machine without a driver both say so cleanly).
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/CudaDriver.h"
#include "tests/nvrtc/GpuTestUtil.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

TEST(CudaDriverLoad, MissingLibraryIsACleanError) {
  HYBC_EXPECT_ERROR(CudaDriver::load("/nonexistent/libcuda.so.1").takeError(),
                    "no CUDA driver (/nonexistent/libcuda.so.1 not found): "
                    "using the CPU backend");
}

TEST(CudaDriverLoad, NotALibraryShowsTheLoaderError) {
  TempDir D;
  writeRaw(D.path("libcuda.so.1"), "not an ELF file");
  HYBC_EXPECT_ERROR(CudaDriver::load(D.path("libcuda.so.1")).takeError(),
                    "could not be loaded", "using the CPU backend");
}

TEST(CudaDriverLoad, MissingEntryPointIsNamed) {
  HYBC_EXPECT_ERROR(CudaDriver::load(HYBC_FAKE_CUDA_LIB).takeError(),
                    "lacks entry point 'cuDriverGetVersion'",
                    "driver is too old");
}

TEST(CudaDriverLoad, StubDriverResolvesEveryEntryPoint) {
  // The toolkit's stub exports the real driver's symbols, so this checks
  // every versioned name in CudaApi.h; its calls return STUB_LIBRARY.
  std::string Stub =
      std::string(HYBC_TEST_CUDA_HOME) + "/lib64/stubs/libcuda.so";
  if (!llvm::sys::fs::exists(Stub))
    GTEST_SKIP() << "no stub driver at " << Stub;
  std::string Msg = errorText(CudaDriver::load(Stub).takeError());
  EXPECT_EQ(Msg.find("lacks entry point"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("cuDriverGetVersion"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("CUDA_ERROR_STUB_LIBRARY (34)"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("stub libcuda, not a driver"), std::string::npos) << Msg;
}

TEST(CudaDriverLoad, CheckFormatsCallSiteAndHint) {
  HYBC_ASSERT_OK(CudaDriver::check(0, "cuInit(0)", "x.cpp", 1));
  std::string Msg = errorText(CudaDriver::check(2, "Fns->cuMemAlloc(&P, Bytes)",
                                                "runtime/gpu/A.cpp", 42));
  EXPECT_NE(Msg.find("cuMemAlloc(&P, Bytes) failed at runtime/gpu/A.cpp:42"),
            std::string::npos)
      << Msg;
  EXPECT_EQ(Msg.find("Fns->"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("CUDA_ERROR_OUT_OF_MEMORY (2)"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("hint: the device is out of memory"), std::string::npos)
      << Msg;
}

TEST(CudaDriverLoad, GetAndGpuAvailableAgree) {
  llvm::Expected<CudaDriver *> D = CudaDriver::get();
  bool Have = static_cast<bool>(D);
  if (!Have) {
    std::string Msg = toString(D.takeError());
    EXPECT_FALSE(Msg.empty());
    if (Msg.find("not found") != std::string::npos) {
      EXPECT_NE(Msg.find("no CUDA driver ("), std::string::npos) << Msg;
    }
  }
  EXPECT_EQ(gpuAvailable(), Have);
  EXPECT_EQ(gpuAvailable(), Have) << "the answer is computed once";
}

} // namespace
