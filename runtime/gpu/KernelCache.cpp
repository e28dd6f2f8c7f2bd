//===- runtime/gpu/KernelCache.cpp - Content-addressed CUBIN cache --------===//
//
/// \file
/// KernelCache::get: memory map, then the disk entry (verified trailer), then
/// NVRTC with a crash-safe write of the new entry; the HYBC_* knobs and the
/// HYBC_DEBUG messages (1: compiles, misses, corrupt entries; 4: CUDA source;
/// 6: NVRTC options and PTX).
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/KernelCache.h"
#include "runtime/data/AtomicFile.h"
#include "runtime/gpu/GpuError.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;

#define HYBC_DEBUG_ON(Level) Config.Debug.enabled(Level, __FILE__, __func__)

namespace hybc {
namespace gpu {

KernelCacheConfig KernelCacheConfig::fromOptions(const GpuOptions &O) {
  KernelCacheConfig C;
  C.Dir = O.CacheDir;
  C.Disk = O.Cache;
  C.AlwaysCompile = O.AlwaysCompile;
  C.AssertCached = O.AssertCached;
  C.OverrideDir = O.OverrideDir;
  C.Debug = O.Debug;
  return C;
}

KernelCache::KernelCache(KernelCacheConfig C) : Config(std::move(C)) {
  if (HYBC_DEBUG_ON(1))
    errs() << "hybc: kernel cache: "
           << (Config.Disk ? Config.Dir : std::string("off"))
           << (Config.AlwaysCompile ? " (always compile)" : "")
           << (Config.AssertCached ? " (assert cached)" : "") << "\n";
}

CacheKeyInputs KernelCache::keyInputs(StringRef Name, StringRef Source,
                                      const NvrtcOptions &O) const {
  CacheKeyInputs In;
  In.Name = Name.str();
  In.Source = Source.str();
  In.Options = O.toArgs();
  In.Arch = O.Arch;
  In.Nvrtc = nvrtcVersion();
  In.HybcVersion = hybcVersion().str();
  return In;
}

std::string KernelCache::pathFor(const CacheKeyInputs &In,
                                 StringRef KeyHex) const {
  if (!Config.Disk || Config.Dir.empty())
    return "";
  SmallString<256> P(Config.Dir);
  sys::path::append(P, cacheFileName(In, KeyHex));
  return std::string(P.str());
}

KernelCacheStats KernelCache::stats() const {
  std::lock_guard<std::mutex> L(Mu);
  return Stats;
}

void KernelCache::remember(const CachedKernel &K) {
  std::lock_guard<std::mutex> L(Mu);
  Memory[K.Key] = K;
}

Expected<CachedKernel> KernelCache::get(StringRef Name, StringRef Source,
                                        const NvrtcOptions &O) {
  std::string Overridden;
  if (!Config.OverrideDir.empty()) {
    SmallString<256> P(Config.OverrideDir);
    sys::path::append(P, fileStemFor(Name) + ".cu");
    if (ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(P)) {
      errs() << "hybc: overriding " << Name << " with " << P << "\n";
      Overridden = (*B)->getBuffer().str();
      Source = Overridden;
    }
  }
  CacheKeyInputs In = keyInputs(Name, Source, O);
  CachedKernel K;
  K.Name = Name.str();
  K.Key = cacheKeyHex(In);
  K.Path = pathFor(In, K.Key);
  if (!Config.AlwaysCompile) {
    {
      std::lock_guard<std::mutex> L(Mu);
      auto It = Memory.find(K.Key);
      if (It != Memory.end()) {
        ++Stats.MemoryHits;
        CachedKernel Hit = It->second;
        Hit.Origin = CacheOrigin::Memory;
        return Hit;
      }
    }
    Expected<bool> OnDisk = readDisk(K);
    if (!OnDisk)
      return OnDisk.takeError();
    if (*OnDisk)
      return K;
  }
  if (Config.AssertCached)
    return gpuError(
        "kernel '" + Name + "' is not in the kernel cache (" +
        (K.Path.empty() ? std::string("disk cache off") : "'" + K.Path + "'") +
        ") and HYBC_ASSERT_CACHED=1 forbids compiling it (hint: "
        "run once without HYBC_ASSERT_CACHED to fill the cache, "
        "and keep HYBC_CACHE_DIR, HYBC_ARCH and the NVRTC version "
        "the same)");
  return compileAndStore(std::move(K), Source, O);
}

Expected<bool> KernelCache::readDisk(CachedKernel &K) {
  if (K.Path.empty())
    return false;
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFile(K.Path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!Buf) {
    if (Buf.getError() != std::errc::no_such_file_or_directory &&
        HYBC_DEBUG_ON(1))
      errs() << "hybc: kernel cache: cannot read '" << K.Path
             << "': " << Buf.getError().message() << "; recompiling\n";
    return false;
  }
  Expected<std::string> Cubin = decodeCacheEntry((*Buf)->getBuffer());
  if (!Cubin) {
    std::string Why = toString(Cubin.takeError());
    {
      std::lock_guard<std::mutex> L(Mu);
      ++Stats.CorruptEntries;
    }
    if (Config.AssertCached)
      return gpuError("kernel cache entry '" + K.Path + "' is corrupt (" + Why +
                      ") and HYBC_ASSERT_CACHED=1 forbids recompiling it "
                      "(hint: delete the file and run once without "
                      "HYBC_ASSERT_CACHED)");
    if (HYBC_DEBUG_ON(1))
      errs() << "hybc: kernel cache: '" << K.Path << "' is corrupt (" << Why
             << "); recompiling\n";
    sys::fs::remove(K.Path);
    return false;
  }
  K.Cubin = std::move(*Cubin);
  K.Origin = CacheOrigin::Disk;
  {
    std::lock_guard<std::mutex> L(Mu);
    ++Stats.DiskHits;
  }
  remember(K);
  return true;
}

Expected<CachedKernel> KernelCache::compileAndStore(CachedKernel K,
                                                    StringRef Source,
                                                    const NvrtcOptions &O) {
  if (HYBC_DEBUG_ON(4))
    errs() << "hybc: cuda source of " << K.Name << ":\n" << Source << "\n";
  auto Start = std::chrono::steady_clock::now();
  Expected<CompiledKernel> C = compileKernel(K.Name, Source, O);
  if (!C)
    return C.takeError();
  double Ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - Start)
                  .count();
  {
    std::lock_guard<std::mutex> L(Mu);
    ++Stats.Compiles;
  }
  if (HYBC_DEBUG_ON(1))
    errs() << "hybc: nvrtc: compiled " << K.Name << " in " << format("%.1f", Ms)
           << " ms (" << C->Cubin.size() << " bytes CUBIN"
           << (C->Log.empty() ? "" : ", with warnings") << ")\n";
  if (HYBC_DEBUG_ON(6))
    errs() << "hybc: nvrtc options: " << join(O.toArgs(), " ") << "\n"
           << "hybc: ptx of " << K.Name << ":\n"
           << C->Ptx << "\n";
  K.Cubin = std::move(C->Cubin);
  K.Ptx = std::move(C->Ptx);
  K.Log = std::move(C->Log);
  K.Origin = CacheOrigin::Compiled;
  if (!K.Path.empty())
    if (Error E = storeEntry(K)) {
      std::string Why = toString(std::move(E));
      std::lock_guard<std::mutex> L(Mu);
      ++Stats.WriteFailures;
      if (HYBC_DEBUG_ON(1))
        errs() << "hybc: kernel cache: not stored: " << Why << "\n";
    }
  remember(K);
  return K;
}

Error KernelCache::storeEntry(const CachedKernel &K) {
  if (std::error_code EC = sys::fs::create_directories(Config.Dir))
    return gpuError("cannot create '" + Config.Dir + "': " + EC.message() +
                    " (hint: set HYBC_CACHE_DIR to a writable directory)");
  return data::writeFileAtomic(K.Path, encodeCacheEntry(K.Cubin));
}

} // namespace gpu
} // namespace hybc
