//===- runtime/data/Shard.h - Parameter Golf token shards --------*- C++ -*-===//
//
/// \file
/// Reading and writing Parameter Golf token shards (`fineweb_*_NNNNNN.bin`):
/// a header of 256 little-endian int32 (`[0]` = 20240520 magic, `[1]` = 1
/// version, `[2]` = token count), then `count` little-endian uint16 token
/// ids; the file size must be exactly 1024 + 2 * count. Also glob expansion
/// with the lexicographic order the reference loaders use.
///
/// Example:
/// \code
///   auto Files = hybc::data::expandGlob("data/sample/fineweb_val_*.bin");
///   if (!Files) return Files.takeError();
///   auto Tokens = hybc::data::readShard((*Files)[0]);
///   if (!Tokens) return Tokens.takeError();
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_SHARD_H
#define HYBC_RUNTIME_DATA_SHARD_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace data {

/// Shard header magic number (`header[0]`).
constexpr int32_t kShardMagic = 20240520;
/// Shard format version (`header[1]`).
constexpr int32_t kShardVersion = 1;
/// Number of int32 words in the shard header.
constexpr unsigned kShardHeaderInts = 256;
/// Size of the shard header in bytes.
constexpr uint64_t kShardHeaderBytes = kShardHeaderInts * 4;

/// Validates the header and size of shard \p Path and returns its token
/// count. Errors (missing, truncated, bad magic/version, size mismatch) name
/// the file and carry a hint.
llvm::Expected<uint64_t> readShardTokenCount(llvm::StringRef Path);

/// Reads the whole shard \p Path (validated like readShardTokenCount).
llvm::Expected<std::vector<uint16_t>> readShard(llvm::StringRef Path);

/// Writes \p Tokens as a valid shard at \p Path, atomically.
llvm::Error writeShard(llvm::StringRef Path, llvm::ArrayRef<uint16_t> Tokens);

/// Expands the glob \p Pattern (glob(3) syntax) to the matching paths sorted
/// lexicographically by bytes (Python `sorted(glob.glob(p))` order). No
/// match is an error naming the pattern.
llvm::Expected<std::vector<std::string>> expandGlob(llvm::StringRef Pattern);

/// Fails if any token in \p Tokens is >= \p VocabSize; \p What names the
/// source (e.g. a shard path) in the message.
llvm::Error checkTokenRange(llvm::ArrayRef<uint16_t> Tokens, unsigned VocabSize,
                            llvm::StringRef What);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_SHARD_H
