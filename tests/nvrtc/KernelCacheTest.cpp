//===- tests/nvrtc/KernelCacheTest.cpp - The CUBIN cache without a GPU ----===//
//
/// \file
/// KernelCache: memory/disk hits and misses, the pinned key derivation and
/// file names, HYBC_ASSERT_CACHED / HYBC_ALWAYS_COMPILE / HYBC_CACHE=0
/// behaviour, corrupt entries, unwritable directories and compileAll.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/KernelCache.h"
#include "runtime/gpu/GpuModule.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include "llvm/Support/Regex.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

KernelCacheConfig configIn(const TempDir &D) {
  KernelCacheConfig C;
  C.Dir = D.path("cache");
  return C;
}

std::vector<std::string> cacheFiles(const TempDir &D) {
  std::vector<std::string> Out;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(D.path("cache"), EC), End;
       !EC && It != End; It.increment(EC))
    Out.push_back(llvm::sys::path::filename(It->path()).str());
  return Out;
}

TEST(KernelCache, MissThenMemoryHitThenDiskHit) {
  TempDir D;
  NvrtcOptions O;
  KernelCache A(configIn(D));
  llvm::Expected<CachedKernel> K1 = A.get("hybc_test_saxpy", saxpySource(), O);
  HYBC_ASSERT_EXPECTED(K1);
  EXPECT_EQ(K1->Origin, CacheOrigin::Compiled);
  EXPECT_FALSE(K1->Ptx.empty());
  llvm::Expected<CachedKernel> K2 = A.get("hybc_test_saxpy", saxpySource(), O);
  HYBC_ASSERT_EXPECTED(K2);
  EXPECT_EQ(K2->Origin, CacheOrigin::Memory);
  EXPECT_EQ(K2->Cubin, K1->Cubin);
  KernelCache B(configIn(D)); // A new process, same directory.
  llvm::Expected<CachedKernel> K3 = B.get("hybc_test_saxpy", saxpySource(), O);
  HYBC_ASSERT_EXPECTED(K3);
  EXPECT_EQ(K3->Origin, CacheOrigin::Disk);
  EXPECT_EQ(K3->Cubin, K1->Cubin);
  EXPECT_EQ(K3->Key, K1->Key);
  EXPECT_EQ(A.stats().Compiles, 1u);
  EXPECT_EQ(A.stats().MemoryHits, 1u);
  EXPECT_EQ(B.stats().DiskHits, 1u);
  EXPECT_EQ(B.stats().Compiles, 0u);
  EXPECT_EQ(cacheFiles(D).size(), 1u);
}

TEST(KernelCache, FileNamesAreHumanReadable) {
  TempDir D;
  KernelCache C(configIn(D));
  llvm::Expected<CachedKernel> K =
      C.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  NvrtcVersion V = nvrtcVersion();
  std::string Pattern = "^hybc_test_saxpy\\.[0-9a-f]{16}\\.sm90a\\.nvrtc" +
                        std::to_string(V.Major) + "-" +
                        std::to_string(V.Minor) + "\\.v1\\.cubin$";
  std::string Name = llvm::sys::path::filename(K->Path).str();
  EXPECT_TRUE(llvm::Regex(Pattern).match(Name)) << Name;
  EXPECT_EQ(Name.substr(16, 16), K->Key.substr(0, 16));
  ASSERT_EQ(cacheFiles(D).size(), 1u);
  EXPECT_EQ(cacheFiles(D)[0], Name);
}

CacheKeyInputs fixedInputs() {
  CacheKeyInputs In;
  In.Name = "hybc_k";
  In.Source = "extern \"C\" __global__ void hybc_k() {}\n";
  In.Options = {"--gpu-architecture=sm_90a", "-default-device", "--std=c++17"};
  In.Arch = "sm_90a";
  In.Nvrtc = {13, 0};
  In.HybcVersion = "0.1.0";
  In.FormatVersion = 1;
  return In;
}

TEST(KernelCache, KeyDerivationIsPinned) {
  // sha256 of the `tag=<len>:<bytes>\n` fields (cross-checked with Python
  // hashlib). Changing the derivation invalidates every cache: bump
  // kCacheFormatVersion with it.
  EXPECT_EQ(cacheKeyHex(fixedInputs()),
            "f71baeda1285dde358cb85a057f2c49c0f71a96b95f38f79a955946cfa13ea49");
  EXPECT_EQ(cacheFileName(fixedInputs(), cacheKeyHex(fixedInputs())),
            "hybc_k." + cacheKeyHex(fixedInputs()).substr(0, 16) +
                ".sm90a.nvrtc13-0.v1.cubin");
}

TEST(KernelCache, KeyCoversEveryInput) {
  std::string Base = cacheKeyHex(fixedInputs());
  EXPECT_EQ(Base.size(), 64u);
  EXPECT_EQ(cacheKeyHex(fixedInputs()), Base) << "deterministic";
  std::vector<CacheKeyInputs> Variants(8, fixedInputs());
  Variants[0].Name = "hybc_k2";
  Variants[1].Source += " ";
  Variants[2].Options.push_back("--use_fast_math");
  Variants[3].Arch = "sm_100a";
  Variants[4].Nvrtc = {13, 1};
  Variants[5].HybcVersion = "0.2.0";
  Variants[6].FormatVersion = 2;
  Variants[7].Options = {"--gpu-architecture=sm_90a-default-device",
                         "--std=c++17"}; // Same bytes, other split.
  for (size_t I = 0; I < Variants.size(); ++I)
    EXPECT_NE(cacheKeyHex(Variants[I]), Base) << "variant " << I;
}

TEST(KernelCache, AssertCachedFailsOnMissAndPassesOnHit) {
  TempDir D;
  KernelCacheConfig C = configIn(D);
  C.AssertCached = true;
  KernelCache Strict(C);
  HYBC_EXPECT_ERROR(
      Strict.get("hybc_test_saxpy", saxpySource(), NvrtcOptions()).takeError(),
      "kernel 'hybc_test_saxpy' is not in the kernel cache",
      "HYBC_ASSERT_CACHED=1", "hint:");
  EXPECT_EQ(Strict.stats().Compiles, 0u);
  KernelCache Fill(configIn(D));
  HYBC_ASSERT_EXPECTED(
      Fill.get("hybc_test_saxpy", saxpySource(), NvrtcOptions()));
  KernelCache Strict2(C);
  llvm::Expected<CachedKernel> K =
      Strict2.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_EQ(K->Origin, CacheOrigin::Disk);
}

/// Fills the cache, damages the entry with \p Damage, and checks that a new
/// cache recompiles, counts the corruption and rewrites a valid entry.
void checkRecoversFrom(void (*Damage)(const std::string &Path)) {
  TempDir D;
  std::string Path;
  {
    KernelCache Fill(configIn(D));
    llvm::Expected<CachedKernel> K =
        Fill.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
    HYBC_ASSERT_EXPECTED(K);
    Path = K->Path;
  }
  Damage(Path);
  KernelCache C(configIn(D));
  llvm::Expected<CachedKernel> K =
      C.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_EQ(K->Origin, CacheOrigin::Compiled);
  EXPECT_EQ(C.stats().CorruptEntries, 1u);
  EXPECT_EQ(C.stats().Compiles, 1u);
  llvm::Expected<std::string> Again = decodeCacheEntry(readFileText(Path));
  HYBC_ASSERT_EXPECTED(Again);
  EXPECT_EQ(*Again, K->Cubin);
}

TEST(KernelCache, RecoversFromTruncatedEntry) {
  checkRecoversFrom([](const std::string &P) {
    std::string B = readFileText(P);
    writeRaw(P, B.substr(0, B.size() / 2));
  });
}

TEST(KernelCache, RecoversFromFlippedByte) {
  checkRecoversFrom([](const std::string &P) {
    std::string B = readFileText(P);
    B[B.size() / 3] ^= 0x20;
    writeRaw(P, B);
  });
}

TEST(KernelCache, RecoversFromEmptyAndForeignFiles) {
  checkRecoversFrom([](const std::string &P) { writeRaw(P, ""); });
  checkRecoversFrom(
      [](const std::string &P) { writeRaw(P, std::string(4096, 'x')); });
}

TEST(KernelCache, CorruptEntryUnderAssertCachedIsAnError) {
  TempDir D;
  KernelCache Fill(configIn(D));
  llvm::Expected<CachedKernel> K =
      Fill.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  writeRaw(K->Path, "garbage");
  KernelCacheConfig C = configIn(D);
  C.AssertCached = true;
  KernelCache Strict(C);
  HYBC_EXPECT_ERROR(
      Strict.get("hybc_test_saxpy", saxpySource(), NvrtcOptions()).takeError(),
      "is corrupt", "shorter than", "HYBC_ASSERT_CACHED=1");
}

TEST(KernelCache, AlwaysCompileIgnoresEntriesButStoresThem) {
  TempDir D;
  KernelCacheConfig C = configIn(D);
  C.AlwaysCompile = true;
  KernelCache Cache(C);
  for (int I = 0; I < 2; ++I) {
    llvm::Expected<CachedKernel> K =
        Cache.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
    HYBC_ASSERT_EXPECTED(K);
    EXPECT_EQ(K->Origin, CacheOrigin::Compiled);
  }
  EXPECT_EQ(Cache.stats().Compiles, 2u);
  EXPECT_EQ(cacheFiles(D).size(), 1u);
}

TEST(KernelCache, DiskOffWritesNothingButKeepsMemory) {
  TempDir D;
  KernelCacheConfig C = configIn(D);
  C.Disk = false;
  KernelCache Cache(C);
  llvm::Expected<CachedKernel> K =
      Cache.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_TRUE(K->Path.empty());
  EXPECT_FALSE(llvm::sys::fs::exists(D.path("cache")));
  llvm::Expected<CachedKernel> K2 =
      Cache.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K2);
  EXPECT_EQ(K2->Origin, CacheOrigin::Memory);
}

TEST(KernelCache, UnwritableDirectoryIsNotAnError) {
  KernelCacheConfig C;
  C.Dir = "/proc/hybc-cannot-exist/cache";
  KernelCache Cache(C);
  llvm::Expected<CachedKernel> K =
      Cache.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_EQ(Cache.stats().WriteFailures, 1u);
}

TEST(KernelCache, CompileErrorsAreNotCached) {
  TempDir D;
  KernelCache Cache(configIn(D));
  NvrtcOptions O;
  O.DumpDir = D.path("dump");
  HYBC_EXPECT_ERROR(Cache.get("hybc_test_bad", badSource(), O).takeError(),
                    "hybc_undefined_name");
  EXPECT_TRUE(cacheFiles(D).empty());
  EXPECT_TRUE(llvm::sys::fs::exists(D.path("dump/failed/hybc_test_bad.cu")));
}

TEST(KernelCache, OverrideDirReplacesTheSource) {
  TempDir D;
  ASSERT_FALSE(llvm::sys::fs::create_directories(D.path("override")));
  std::string Edited = std::string(saxpySource()) + "// hand-tuned\n";
  writeRaw(D.path("override/hybc_test_saxpy.cu"), Edited);
  KernelCacheConfig C = configIn(D);
  KernelCache Plain(C);
  C.OverrideDir = D.path("override");
  KernelCache Over(C);
  llvm::Expected<CachedKernel> P =
      Plain.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  llvm::Expected<CachedKernel> K =
      Over.get("hybc_test_saxpy", saxpySource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(P);
  HYBC_ASSERT_EXPECTED(K);
  EXPECT_NE(K->Key, P->Key) << "the edited text is what gets compiled";
  EXPECT_EQ(K->Key, cacheKeyHex(Over.keyInputs("hybc_test_saxpy", Edited,
                                               NvrtcOptions())));
  llvm::Expected<CachedKernel> Other =
      Over.get("hybc_test_increment", incrementSource(), NvrtcOptions());
  HYBC_ASSERT_EXPECTED(Other); // No override file: the generated source.
}

TEST(KernelCache, EntryTrailerRoundTripsAndRejectsDamage) {
  std::string Cubin = "\x7f"
                      "ELF-not-really";
  std::string Entry = encodeCacheEntry(Cubin);
  EXPECT_EQ(Entry.size(), Cubin.size() + 56);
  llvm::Expected<std::string> Back = decodeCacheEntry(Entry);
  HYBC_ASSERT_EXPECTED(Back);
  EXPECT_EQ(*Back, Cubin);
  HYBC_EXPECT_ERROR(decodeCacheEntry(Entry.substr(1)).takeError(),
                    "recorded length");
  std::string BadMagic = Entry;
  BadMagic.back() = '?';
  HYBC_EXPECT_ERROR(decodeCacheEntry(BadMagic).takeError(), "magic");
  std::string BadSum = Entry;
  BadSum[0] = 'x';
  HYBC_EXPECT_ERROR(decodeCacheEntry(BadSum).takeError(), "sha256");
}

TEST(KernelCache, CompileAllKeepsSpecOrderAndFirstError) {
  TempDir D;
  KernelCache Cache(configIn(D));
  KernelSpec A = saxpySpec(100), B, C;
  B.Name = "hybc_test_increment";
  B.Source = incrementSource();
  C.Name = "hybc_test_default_device";
  C.Source = defaultDeviceSource();
  llvm::Expected<std::vector<CachedKernel>> All =
      compileAll(Cache, {A, B, C}, NvrtcOptions(), /*Threads=*/2);
  HYBC_ASSERT_EXPECTED(All);
  ASSERT_EQ(All->size(), 3u);
  EXPECT_EQ((*All)[0].Name, A.Name);
  EXPECT_EQ((*All)[1].Name, B.Name);
  EXPECT_EQ((*All)[2].Name, C.Name);
  EXPECT_EQ(Cache.stats().Compiles, 3u);
  KernelSpec Bad;
  Bad.Name = "hybc_test_bad";
  Bad.Source = badSource();
  NvrtcOptions O;
  O.DumpDir = D.path("dump");
  HYBC_EXPECT_ERROR(compileAll(Cache, {A, Bad, B}, O, 2).takeError(),
                    "kernel 'hybc_test_bad' failed to compile");
}

} // namespace
