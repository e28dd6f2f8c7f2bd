//===- runtime/data/TokenStream.h - Sequential training stream ---*- C++ -*-===//
//
/// \file
/// The Parameter Golf baseline training loader, token for token:
/// TokenStream reads the sorted train shards sequentially and wraps around
/// to shard 0 forever (no shuffling); DistributedLoader takes, per
/// micro-step, `World * (Local + 1)` contiguous tokens from the shared
/// stream, and rank r uses slice `[r*(Local+1), (r+1)*(Local+1))` with
/// `X = slice[:-1]`, `Y = slice[1:]`, `Local = GlobalTokens / (World*Accum)`.
/// The stream position (shard index, token offset) is a StreamState that a
/// checkpoint stores; restoring it continues the stream identically.
///
/// Example:
/// \code
///   auto L = hybc::data::DistributedLoader::open(
///       "data/sample/fineweb_train_*.bin", /*Rank=*/0, /*World=*/1);
///   if (!L) return L.takeError();
///   llvm::SmallVector<int32_t, 0> X, Y;
///   if (llvm::Error E = L->nextBatch(524288, 1024, 8, X, Y)) return E;
///   hybc::data::StreamState S = L->state();   // save in the checkpoint
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_TOKENSTREAM_H
#define HYBC_RUNTIME_DATA_TOKENSTREAM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace data {

/// Position of a TokenStream: the current shard and the next token offset
/// inside it (may equal the shard size: the next take() moves on).
struct StreamState {
  uint64_t ShardIndex = 0; ///< Index into the sorted shard list.
  uint64_t Position = 0;   ///< Next token offset inside that shard.
  uint64_t NumShards = 0;  ///< Shard count when saved (checked on restore).

  bool operator==(const StreamState &O) const {
    return ShardIndex == O.ShardIndex && Position == O.Position &&
           NumShards == O.NumShards;
  }
  bool operator!=(const StreamState &O) const { return !(*this == O); }
};

/// Serializes \p S as `{"shard":i,"pos":p,"num_shards":n}`.
llvm::json::Value toJSON(const StreamState &S);
/// Parses the toJSON form; reports a missing/ill-typed field at \p P.
bool fromJSON(const llvm::json::Value &V, StreamState &S, llvm::json::Path P);

/// Sequential, wrapping stream over training shards.
class TokenStream {
public:
  /// Opens the shards matching \p Pattern (sorted). Refuses validation
  /// shards (`fineweb_val_*`): never train on val.
  static llvm::Expected<TokenStream> open(llvm::StringRef Pattern);
  /// Opens an explicit, already ordered shard list (same val check).
  static llvm::Expected<TokenStream> openFiles(std::vector<std::string> Files);

  /// Replaces \p Out with the next \p N tokens, crossing shard boundaries
  /// and wrapping from the last shard to the first.
  llvm::Error take(uint64_t N, llvm::SmallVectorImpl<uint16_t> &Out);
  /// Advances by \p N tokens exactly like take() without copying them.
  llvm::Error skip(uint64_t N);

  /// Current position (to store in a checkpoint).
  StreamState state() const;
  /// Moves to \p S (loads its shard). Fails if the shard list size differs
  /// or the position is past the shard's end.
  llvm::Error restore(const StreamState &S);

  /// The sorted shard paths.
  llvm::ArrayRef<std::string> files() const { return Files; }

private:
  TokenStream() = default;
  llvm::Error loadShard(uint64_t Index);
  llvm::Error advance(uint64_t N, llvm::SmallVectorImpl<uint16_t> *Out);

  std::vector<std::string> Files;
  std::vector<uint16_t> Tokens;
  uint64_t ShardIndex = 0;
  uint64_t Position = 0;
};

/// Returns `GlobalTokens / (World * Accum)` (floor, as the reference) after
/// checking it is a positive multiple of \p SeqLen.
llvm::Expected<uint64_t> computeLocalTokens(uint64_t GlobalTokens,
                                            unsigned World, unsigned Accum,
                                            unsigned SeqLen);

/// Per-rank view of the shared TokenStream (every rank reads the same
/// stream and keeps its own slice).
class DistributedLoader {
public:
  /// Opens the train shards matching \p Pattern for rank \p Rank of
  /// \p World ranks.
  static llvm::Expected<DistributedLoader> open(llvm::StringRef Pattern,
                                                unsigned Rank, unsigned World);

  /// Produces one micro-batch: \p X and \p Y get `Local` tokens each
  /// (row-major `Local/SeqLen` sequences of \p SeqLen), Y shifted by one.
  llvm::Error nextBatch(uint64_t GlobalTokens, unsigned SeqLen,
                        unsigned GradAccum, llvm::SmallVectorImpl<int32_t> &X,
                        llvm::SmallVectorImpl<int32_t> &Y);

  /// Stream position (identical on every rank).
  StreamState state() const { return Stream.state(); }
  /// Restores a saved position; the next batch equals the one that would
  /// have followed the save.
  llvm::Error restore(const StreamState &S) { return Stream.restore(S); }
  /// This loader's rank.
  unsigned rank() const { return Rank; }
  /// Number of ranks.
  unsigned world() const { return World; }

private:
  DistributedLoader(TokenStream S, unsigned Rank, unsigned World)
      : Stream(std::move(S)), Rank(Rank), World(World) {}

  TokenStream Stream;
  unsigned Rank;
  unsigned World;
  llvm::SmallVector<uint16_t, 0> Span;
};

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_TOKENSTREAM_H
