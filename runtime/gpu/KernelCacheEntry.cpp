//===- runtime/gpu/KernelCacheEntry.cpp - Cache keys and entry format -----===//
//
/// \file
/// The pure parts of the kernel cache: the sha256 key over length-prefixed
/// fields, the human-readable file name, and the on-disk entry (CUBIN bytes
/// followed by a trailer: sha256 of the CUBIN, u64 length, u32 format
/// version, u32 zero, 8-byte magic "HYBCCUBN"; integers little-endian).
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuError.h"
#include "runtime/gpu/KernelCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SHA256.h"

using namespace llvm;

#ifndef HYBC_VERSION_STRING
#define HYBC_VERSION_STRING "0.0.0"
#endif

namespace hybc {
namespace gpu {

namespace {

constexpr char kMagic[8] = {'H', 'Y', 'B', 'C', 'C', 'U', 'B', 'N'};
constexpr size_t kTrailerBytes = 32 + 8 + 4 + 4 + 8;

/// Feeds `<tag>=<length>:<bytes>\n` into \p H.
void addField(SHA256 &H, StringRef Tag, StringRef Bytes) {
  H.update(Tag);
  H.update("=" + utostr(Bytes.size()) + ":");
  H.update(Bytes);
  H.update("\n");
}

std::string sha256Raw(StringRef Bytes) {
  SHA256 H;
  H.update(Bytes);
  return H.final().str();
}

} // namespace

StringRef hybcVersion() { return HYBC_VERSION_STRING; }

std::string cacheKeyHex(const CacheKeyInputs &In) {
  SHA256 H;
  addField(H, "hybc-kernel-cache", utostr(In.FormatVersion));
  addField(H, "hybc", In.HybcVersion);
  addField(H, "nvrtc", utostr(In.Nvrtc.Major) + "." + utostr(In.Nvrtc.Minor));
  addField(H, "arch", In.Arch);
  addField(H, "options", utostr(In.Options.size()));
  for (const std::string &O : In.Options)
    addField(H, "option", O);
  addField(H, "name", In.Name);
  addField(H, "source", In.Source);
  return toHex(arrayRefFromStringRef(H.final()), /*LowerCase=*/true);
}

std::string cacheFileName(const CacheKeyInputs &In, StringRef KeyHex) {
  return fileStemFor(In.Name) + "." + KeyHex.take_front(16).str() + "." +
         archTag(In.Arch) + ".nvrtc" + utostr(In.Nvrtc.Major) + "-" +
         utostr(In.Nvrtc.Minor) + ".v" + utostr(In.FormatVersion) + ".cubin";
}

std::string encodeCacheEntry(StringRef Cubin) {
  std::string Out = Cubin.str();
  Out += sha256Raw(Cubin);
  char Buf[16] = {0};
  support::endian::write64le(Buf, Cubin.size());
  support::endian::write32le(Buf + 8, kCacheFormatVersion);
  support::endian::write32le(Buf + 12, 0);
  Out.append(Buf, sizeof(Buf));
  Out.append(kMagic, sizeof(kMagic));
  return Out;
}

Expected<std::string> decodeCacheEntry(StringRef Bytes) {
  if (Bytes.size() < kTrailerBytes)
    return gpuError("entry is " + Twine(Bytes.size()) +
                    " bytes, shorter than its " + Twine(kTrailerBytes) +
                    "-byte trailer (truncated write?)");
  StringRef Trailer = Bytes.take_back(kTrailerBytes);
  if (Trailer.take_back(8) != StringRef(kMagic, 8))
    return gpuError("bad trailer magic (not a hybc cache entry)");
  const char *P = Trailer.data() + 32;
  uint64_t Length = support::endian::read64le(P);
  uint32_t Version = support::endian::read32le(P + 8);
  if (Version != kCacheFormatVersion)
    return gpuError("cache format version " + Twine(Version) + "; expected " +
                    Twine(kCacheFormatVersion));
  if (Length != Bytes.size() - kTrailerBytes)
    return gpuError("recorded length " + Twine(Length) + " but " +
                    Twine(Bytes.size() - kTrailerBytes) + " bytes present");
  StringRef Cubin = Bytes.drop_back(kTrailerBytes);
  if (sha256Raw(Cubin) != Trailer.take_front(32))
    return gpuError("sha256 of the CUBIN does not match its trailer "
                    "(damaged file)");
  return Cubin.str();
}

} // namespace gpu
} // namespace hybc
