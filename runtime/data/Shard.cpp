//===- runtime/data/Shard.cpp - Parameter Golf token shards ---------------===//
//
/// \file
/// Shard reader/writer and glob expansion. Reads use POSIX pread into the
/// caller's vector (no double buffering for 200 MB shards); tokens are
/// byte-swapped on big-endian hosts.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Shard.h"
#include "runtime/data/AtomicFile.h"
#include "runtime/data/DataError.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/SwapByteOrder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace hybc {
namespace data {

namespace {

constexpr const char *kFormatHint =
    "(hint: a shard is 256 int32 LE header words [20240520, 1, count, 0...] "
    "followed by count uint16 tokens; re-export it with 'hybc data encode')";

/// Owns a read-only file descriptor.
struct ReadFD {
  int FD = -1;
  ~ReadFD() {
    if (FD >= 0)
      ::close(FD);
  }
};

/// Reads exactly Size bytes at Offset; returns errno, or -1 on early EOF.
int preadAll(int FD, char *Data, size_t Size, uint64_t Offset) {
  while (Size > 0) {
    ssize_t N = ::pread(FD, Data, Size, static_cast<off_t>(Offset));
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    if (N == 0)
      return -1;
    Data += N;
    Size -= static_cast<size_t>(N);
    Offset += static_cast<uint64_t>(N);
  }
  return 0;
}

/// Opens Path and validates the header; returns the token count.
Expected<uint64_t> openAndValidate(StringRef Path, ReadFD &File) {
  std::string P = Path.str();
  File.FD = ::open(P.c_str(), O_RDONLY | O_CLOEXEC);
  if (File.FD < 0) {
    int Err = errno;
    return dataError("shard '" + Path + "': cannot open: " +
                     std::strerror(Err) +
                     " (hint: check the path or the --data glob)");
  }
  struct stat St;
  if (::fstat(File.FD, &St) != 0 || !S_ISREG(St.st_mode))
    return dataError("shard '" + Path + "': not a regular file (hint: pass "
                     "a .bin shard, not a directory)");
  uint64_t Size = static_cast<uint64_t>(St.st_size);
  if (Size < kShardHeaderBytes)
    return dataError("shard '" + Path + "': truncated header (" + Twine(Size) +
                     " bytes < 1024) " + kFormatHint);
  char Header[kShardHeaderBytes];
  if (preadAll(File.FD, Header, kShardHeaderBytes, 0) != 0)
    return dataError("shard '" + Path + "': cannot read header " + kFormatHint);
  int32_t Magic = support::endian::read32le(Header);
  int32_t Version = support::endian::read32le(Header + 4);
  int32_t Count = support::endian::read32le(Header + 8);
  if (Magic != kShardMagic)
    return dataError("shard '" + Path + "': bad magic " + Twine(Magic) +
                     "; expected 20240520 " + kFormatHint);
  if (Version != kShardVersion)
    return dataError("shard '" + Path + "': unsupported version " +
                     Twine(Version) + "; expected 1 " + kFormatHint);
  if (Count < 0)
    return dataError("shard '" + Path + "': negative token count " +
                     Twine(Count) + " " + kFormatHint);
  uint64_t Expected = kShardHeaderBytes + 2 * static_cast<uint64_t>(Count);
  if (Size < Expected)
    return dataError("shard '" + Path + "': truncated: " + Twine(Size) +
                     " bytes but header count " + Twine(Count) + " needs " +
                     Twine(Expected) + " (hint: the copy was cut short; "
                     "copy or re-export the shard again)");
  if (Size != Expected)
    return dataError("shard '" + Path + "': size mismatch: " + Twine(Size) +
                     " bytes but header count " + Twine(Count) + " needs " +
                     Twine(Expected) + " (hint: trailing bytes after the "
                     "tokens; re-export the shard)");
  return static_cast<uint64_t>(Count);
}

} // namespace

Expected<uint64_t> readShardTokenCount(StringRef Path) {
  ReadFD File;
  return openAndValidate(Path, File);
}

Expected<std::vector<uint16_t>> readShard(StringRef Path) {
  ReadFD File;
  Expected<uint64_t> Count = openAndValidate(Path, File);
  if (!Count)
    return Count.takeError();
  std::vector<uint16_t> Tokens(*Count);
  int Err = preadAll(File.FD, reinterpret_cast<char *>(Tokens.data()),
                     Tokens.size() * 2, kShardHeaderBytes);
  if (Err != 0)
    return dataError("shard '" + Path + "': short read of " + Twine(*Count) +
                     " tokens" + (Err > 0 ? Twine(": ") + std::strerror(Err)
                                          : Twine()) +
                     " (hint: the file changed while reading; retry)");
  if (sys::IsBigEndianHost)
    for (uint16_t &T : Tokens)
      T = sys::getSwappedBytes(T);
  return Tokens;
}

Error writeShard(StringRef Path, ArrayRef<uint16_t> Tokens) {
  if (Tokens.size() >= (uint64_t(1) << 31))
    return dataError("shard '" + Path + "': " + Twine(Tokens.size()) +
                     " tokens do not fit the int32 count (hint: use a "
                     "smaller --shard-tokens)");
  Expected<AtomicFileWriter> W = AtomicFileWriter::create(Path);
  if (!W)
    return W.takeError();
  char Header[kShardHeaderBytes] = {};
  support::endian::write32le(Header, kShardMagic);
  support::endian::write32le(Header + 4, kShardVersion);
  support::endian::write32le(Header + 8, static_cast<uint32_t>(Tokens.size()));
  if (Error E = W->write(ArrayRef<char>(Header, kShardHeaderBytes)))
    return E;
  constexpr size_t kChunk = 1 << 18;
  std::vector<char> Buf(2 * kChunk);
  for (size_t I = 0; I < Tokens.size(); I += kChunk) {
    size_t N = std::min(kChunk, Tokens.size() - I);
    for (size_t J = 0; J < N; ++J)
      support::endian::write16le(Buf.data() + 2 * J, Tokens[I + J]);
    if (Error E = W->write(ArrayRef<char>(Buf.data(), 2 * N)))
      return E;
  }
  return W->commit();
}

Expected<std::vector<std::string>> expandGlob(StringRef Pattern) {
  glob_t G;
  std::memset(&G, 0, sizeof(G));
  std::string P = Pattern.str();
  int RC = ::glob(P.c_str(), GLOB_NOSORT, nullptr, &G);
  std::vector<std::string> Paths;
  if (RC == 0)
    for (size_t I = 0; I < G.gl_pathc; ++I)
      Paths.emplace_back(G.gl_pathv[I]);
  ::globfree(&G);
  if (RC == GLOB_NOMATCH || (RC == 0 && Paths.empty()))
    return dataError("no files match '" + Pattern + "' (hint: check the "
                     "directory and that shards are named like "
                     "fineweb_train_000000.bin)");
  if (RC != 0)
    return dataError("cannot expand '" + Pattern + "': glob error " +
                     Twine(RC) + " (hint: check directory permissions)");
  std::sort(Paths.begin(), Paths.end());
  return Paths;
}

Error checkTokenRange(ArrayRef<uint16_t> Tokens, unsigned VocabSize,
                      StringRef What) {
  for (size_t I = 0; I < Tokens.size(); ++I)
    if (Tokens[I] >= VocabSize)
      return dataError(What + ": token " + Twine(Tokens[I]) + " at index " +
                       Twine(I) + " is outside vocab " + Twine(VocabSize) +
                       " (hint: the shards were encoded with a different "
                       "tokenizer than the model's vocab)");
  return Error::success();
}

} // namespace data
} // namespace hybc
