//===- tests/nvrtc/GpuOptionsTest.cpp - HYBC_* parsing --------------------===//
//
/// \file
/// parseGpuOptions over fake environments: defaults, typed values, errors
/// naming the variable, HYBC_DEBUG's filters, cache-directory precedence and
/// typo warnings.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuOptions.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include <map>

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

using Env = std::map<std::string, std::string>;

llvm::Expected<GpuOptions> parse(const Env &E) {
  std::vector<std::string> Names;
  for (const auto &KV : E)
    Names.push_back(KV.first);
  auto Lookup = [&](llvm::StringRef N) -> llvm::Optional<std::string> {
    auto It = E.find(N.str());
    if (It == E.end())
      return llvm::None;
    return It->second;
  };
  return parseGpuOptions(Lookup, Names);
}

TEST(GpuOptions, Defaults) {
  llvm::Expected<GpuOptions> O = parse({{"HOME", "/home/u"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_TRUE(O->Cache);
  EXPECT_FALSE(O->AlwaysCompile);
  EXPECT_FALSE(O->AssertCached);
  EXPECT_FALSE(O->FastMath);
  EXPECT_EQ(O->Debug.Level, 0u);
  EXPECT_EQ(O->CacheDir, "/home/u/.cache/hybc");
  EXPECT_EQ(O->CudaDriverPath, "libcuda.so.1");
  EXPECT_EQ(O->Device, 0);
  EXPECT_TRUE(O->Arch.empty());
  EXPECT_TRUE(O->Bf16Residual);
  EXPECT_TRUE(O->RematNorms);
  EXPECT_FALSE(O->RematActs);
  EXPECT_EQ(O->AttnFwdWarps + O->AttnFwdBc + O->AttnBwdStep, 0);
  EXPECT_TRUE(O->Warnings.empty());
}

TEST(GpuOptions, PlanKnobs) {
  llvm::Expected<GpuOptions> O = parse({{"HYBC_BF16_RESIDUAL", "0"},
                                        {"HYBC_REMAT", "acts, norms"},
                                        {"HYBC_ATTN_TILES", "4:128:0"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_FALSE(O->Bf16Residual);
  EXPECT_TRUE(O->RematNorms && O->RematActs);
  EXPECT_EQ(O->AttnFwdWarps, 4);
  EXPECT_EQ(O->AttnFwdBc, 128);
  EXPECT_EQ(O->AttnBwdStep, 0);
  O = parse({{"HYBC_REMAT", "none"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_FALSE(O->RematNorms || O->RematActs);
  HYBC_EXPECT_ERROR(parse({{"HYBC_REMAT", "all"}}).takeError(),
                    "HYBC_REMAT='all': expected norms,acts");
  HYBC_EXPECT_ERROR(parse({{"HYBC_ATTN_TILES", "8:64"}}).takeError(),
                    "HYBC_ATTN_TILES='8:64': expected W:BC:STEP");
  HYBC_EXPECT_ERROR(parse({{"HYBC_ATTN_TILES", "8:-64:64"}}).takeError(),
                    "HYBC_ATTN_TILES");
}

TEST(GpuOptions, CacheDirPrecedence) {
  llvm::Expected<GpuOptions> O =
      parse({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/xdg"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_EQ(O->CacheDir, "/xdg/hybc");
  O = parse(
      {{"HOME", "/h"}, {"XDG_CACHE_HOME", "/xdg"}, {"HYBC_CACHE_DIR", "/c"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_EQ(O->CacheDir, "/c");
  O = parse({{"HOME", "/h"}, {"XDG_CACHE_HOME", "relative"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_EQ(O->CacheDir, "/h/.cache/hybc") << "XDG must be absolute";
  O = parse({});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_NE(O->CacheDir.find("hybc-cache"), std::string::npos);
}

TEST(GpuOptions, TypedValues) {
  llvm::Expected<GpuOptions> O = parse({{"HYBC_CACHE", "off"},
                                        {"HYBC_ALWAYS_COMPILE", "TRUE"},
                                        {"HYBC_ASSERT_CACHED", "1"},
                                        {"HYBC_FAST_MATH", "yes"},
                                        {"HYBC_DEVICE", "3"},
                                        {"HYBC_ARCH", "sm_100a"},
                                        {"HYBC_DUMP_DIR", "/d"},
                                        {"HYBC_CUDA_DRIVER", "/x/libcuda.so"},
                                        {"HYBC_CUDA_HOME", "/opt/cuda"}});
  HYBC_ASSERT_EXPECTED(O);
  EXPECT_FALSE(O->Cache);
  EXPECT_TRUE(O->AlwaysCompile);
  EXPECT_TRUE(O->AssertCached);
  EXPECT_TRUE(O->FastMath);
  EXPECT_EQ(O->Device, 3);
  EXPECT_EQ(O->Arch, "sm_100a");
  EXPECT_EQ(O->DumpDir, "/d");
  EXPECT_EQ(O->CudaDriverPath, "/x/libcuda.so");
  EXPECT_EQ(O->CudaHome, "/opt/cuda");
}

TEST(GpuOptions, MalformedValuesNameTheVariable) {
  HYBC_EXPECT_ERROR(parse({{"HYBC_CACHE", "maybe"}}).takeError(),
                    "HYBC_CACHE='maybe': expected a boolean");
  HYBC_EXPECT_ERROR(parse({{"HYBC_ASSERT_CACHED", "2"}}).takeError(),
                    "HYBC_ASSERT_CACHED='2'");
  HYBC_EXPECT_ERROR(parse({{"HYBC_DEVICE", "-1"}}).takeError(),
                    "HYBC_DEVICE='-1': expected a device ordinal");
  HYBC_EXPECT_ERROR(parse({{"HYBC_DEVICE", "gpu0"}}).takeError(),
                    "HYBC_DEVICE");
  HYBC_EXPECT_ERROR(parse({{"HYBC_ARCH", "hopper"}}).takeError(),
                    "HYBC_ARCH='hopper'", "sm_90a");
  HYBC_EXPECT_ERROR(parse({{"HYBC_DEBUG", "x"}}).takeError(),
                    "HYBC_DEBUG='x': expected N[,File.cpp][@function]");
  HYBC_EXPECT_ERROR(parse({{"HYBC_DEBUG", "9"}}).takeError(), "0..7");
}

TEST(GpuOptions, DebugFilters) {
  llvm::Expected<DebugSpec> D = parseDebugKnob("4,Nvrtc.cpp@compileKernel");
  HYBC_ASSERT_EXPECTED(D);
  EXPECT_EQ(D->Level, 4u);
  EXPECT_EQ(D->File, "Nvrtc.cpp");
  EXPECT_EQ(D->Function, "compileKernel");
  EXPECT_TRUE(D->enabled(4, "runtime/gpu/Nvrtc.cpp", "compileKernel"));
  EXPECT_FALSE(D->enabled(5, "runtime/gpu/Nvrtc.cpp", "compileKernel"));
  EXPECT_FALSE(D->enabled(1, "runtime/gpu/KernelCache.cpp", "compileKernel"));
  EXPECT_FALSE(D->enabled(1, "runtime/gpu/Nvrtc.cpp", "other"));
  D = parseDebugKnob("2@launch");
  HYBC_ASSERT_EXPECTED(D);
  EXPECT_TRUE(D->File.empty());
  EXPECT_EQ(D->Function, "launch");
  D = parseDebugKnob("3");
  HYBC_ASSERT_EXPECTED(D);
  EXPECT_TRUE(D->enabled(3, "any.cpp", "any"));
  HYBC_EXPECT_ERROR(parseDebugKnob("3,").takeError(), "HYBC_DEBUG");
  HYBC_EXPECT_ERROR(parseDebugKnob("3@").takeError(), "HYBC_DEBUG");
}

TEST(GpuOptions, TyposBecomeWarnings) {
  llvm::Expected<GpuOptions> O = parse(
      {{"HYBC_CAHCE", "0"}, {"HYBC_GOLDEN_VERBOSE", "1"}, {"HYBC_CACHE", "1"}});
  HYBC_ASSERT_EXPECTED(O);
  ASSERT_EQ(O->Warnings.size(), 1u);
  EXPECT_NE(O->Warnings[0].find("HYBC_CAHCE (did you mean HYBC_CACHE?)"),
            std::string::npos)
      << O->Warnings[0];
}

TEST(GpuOptions, EveryVariableIsDocumentedAndPrinted) {
  llvm::Expected<GpuOptions> O = parse({{"HOME", "/h"}});
  HYBC_ASSERT_EXPECTED(O);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printGpuOptions(OS, *O);
  for (const EnvVarInfo &V : gpuEnvVars()) {
    EXPECT_NE(OS.str().find(std::string(V.Name) + "="), std::string::npos)
        << V.Name;
    EXPECT_GT(llvm::StringRef(V.Help).size(), 10u);
  }
}

} // namespace
