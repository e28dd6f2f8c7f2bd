//===- runtime/gpu/KernelCache.h - On-disk CUBIN cache ----------*- C++ -*-===//
//
/// \file
/// The on-disk kernel cache (after jitify2 and Triton). The key is a sha256
/// over everything that affects the CUBIN: kernel name, source, NVRTC option
/// list, NVRTC version, arch, hybc version and cache-format version. Files
/// are named for people:
/// `<kernel>.<hash16>.sm90a.nvrtc13-0.v1.cubin`
/// and hold the CUBIN followed by a 56-byte trailer (sha256 of the CUBIN,
/// its length, the format version and a magic), so cuobjdump still reads
/// them and a truncated or damaged file is detected, reported at
/// HYBC_DEBUG>=1, recompiled and rewritten. Writes are crash-safe
/// (writeFileAtomic: tmp + fsync + rename); readers take no lock, and two
/// processes that race write identical bytes. An in-memory map sits in front.
///
/// Knobs (GpuOptions): HYBC_OVERRIDE_DIR swaps in hand-edited sources;
/// HYBC_CACHE=0 keeps nothing on disk;
/// HYBC_ALWAYS_COMPILE=1 ignores cached entries but still writes them;
/// HYBC_ASSERT_CACHED=1 turns any needed compile into an error.
///
/// Example:
/// \code
///   KernelCache Cache(KernelCacheConfig::fromOptions(*gpuOptions()));
///   llvm::Expected<CachedKernel> K = Cache.get(Spec.Name, Spec.Source, O);
///   if (!K) return K.takeError();
///   load(K->Cubin); // K->Origin says Memory, Disk or Compiled
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_KERNELCACHE_H
#define HYBC_RUNTIME_GPU_KERNELCACHE_H

#include "runtime/gpu/GpuOptions.h"
#include "runtime/gpu/Nvrtc.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <mutex>
#include <string>
#include <vector>

namespace hybc {
namespace gpu {

/// Version of the on-disk entry layout (the `.v1` in file names).
constexpr unsigned kCacheFormatVersion = 1;

/// The hybc version that enters cache keys (CMake's PROJECT_VERSION).
llvm::StringRef hybcVersion();

/// Everything a cache key is computed from.
struct CacheKeyInputs {
  std::string Name;
  std::string Source;
  std::vector<std::string> Options; ///< NvrtcOptions::toArgs().
  std::string Arch;                 ///< e.g. "sm_90a".
  NvrtcVersion Nvrtc;
  std::string HybcVersion;
  unsigned FormatVersion = kCacheFormatVersion;
};

/// The 64-hex-digit sha256 of \p In (length-prefixed fields, so no two
/// different inputs share a byte stream).
std::string cacheKeyHex(const CacheKeyInputs &In);

/// `<stem>.<key[0:16]>.<archTag>.nvrtc<maj>-<min>.v<format>.cubin`.
std::string cacheFileName(const CacheKeyInputs &In, llvm::StringRef KeyHex);

/// Appends the integrity trailer to \p Cubin (the bytes written to disk).
std::string encodeCacheEntry(llvm::StringRef Cubin);

/// Checks the trailer of an entry's bytes and returns the CUBIN; the error
/// says what is wrong (short, bad magic, version, length, checksum).
llvm::Expected<std::string> decodeCacheEntry(llvm::StringRef Bytes);

/// How the cache behaves; see the file comment for the knobs.
struct KernelCacheConfig {
  std::string Dir;  ///< Directory of entries (created on first write).
  bool Disk = true; ///< HYBC_CACHE.
  bool AlwaysCompile = false;
  bool AssertCached = false;
  std::string OverrideDir; ///< DIR/<kernel>.cu replaces the source.
  DebugSpec Debug;         ///< >=1 misses/corruption, 4 source, 6 PTX.

  /// The configuration the HYBC_* variables select.
  static KernelCacheConfig fromOptions(const GpuOptions &O);
};

/// Where a kernel came from.
enum class CacheOrigin { Memory, Disk, Compiled };

/// A CUBIN ready for cuModuleLoadData.
struct CachedKernel {
  std::string Name;
  std::string Key;  ///< cacheKeyHex.
  std::string Path; ///< Its cache file ("" when the disk cache is off).
  std::string Cubin;
  std::string Ptx; ///< Only right after a compile with EmitPtx.
  std::string Log; ///< NVRTC warnings of that compile.
  CacheOrigin Origin = CacheOrigin::Compiled;
};

/// Counters since construction.
struct KernelCacheStats {
  unsigned MemoryHits = 0, DiskHits = 0, Compiles = 0;
  unsigned CorruptEntries = 0, WriteFailures = 0;
};

/// Memory map + disk directory in front of NVRTC. Thread-safe.
class KernelCache {
public:
  explicit KernelCache(KernelCacheConfig Config);

  /// The CUBIN of \p Source compiled with \p O: from memory, from disk, or
  /// compiled now (then written to disk). With an OverrideDir holding
  /// `<kernel>.cu`, that file's text replaces \p Source (logged to stderr).
  /// Errors: NVRTC failures (see compileKernel) and HYBC_ASSERT_CACHED
  /// violations. A failed cache write is not an error (counted, reported at
  /// HYBC_DEBUG>=1).
  llvm::Expected<CachedKernel> get(llvm::StringRef Name, llvm::StringRef Source,
                                   const NvrtcOptions &O);

  /// The key inputs for a kernel under \p O.
  CacheKeyInputs keyInputs(llvm::StringRef Name, llvm::StringRef Source,
                           const NvrtcOptions &O) const;
  /// The file an entry lives in ("" when the disk cache is off).
  std::string pathFor(const CacheKeyInputs &In, llvm::StringRef KeyHex) const;

  KernelCacheStats stats() const;
  const KernelCacheConfig &config() const { return Config; }

private:
  llvm::Expected<bool> readDisk(CachedKernel &K);
  llvm::Expected<CachedKernel> compileAndStore(CachedKernel K,
                                               llvm::StringRef Source,
                                               const NvrtcOptions &O);
  llvm::Error storeEntry(const CachedKernel &K);
  void remember(const CachedKernel &K);

  KernelCacheConfig Config;
  mutable std::mutex Mu;
  llvm::StringMap<CachedKernel> Memory;
  KernelCacheStats Stats;
};

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_KERNELCACHE_H
