//===- runtime/data/TokenStream.cpp - Sequential training stream ----------===//
//
/// \file
/// TokenStream / DistributedLoader implementation, following the semantics
/// of the reference `TokenStream.take` (lazy move to the next shard when the
/// current one is exhausted) and `DistributedTokenLoader.next_batch`.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/TokenStream.h"
#include "runtime/data/DataError.h"
#include "runtime/data/Shard.h"

#include "llvm/Support/Path.h"

#include <algorithm>
#include <cassert>

using namespace llvm;

namespace hybc {
namespace data {

json::Value toJSON(const StreamState &S) {
  return json::Object{{"shard", static_cast<int64_t>(S.ShardIndex)},
                      {"pos", static_cast<int64_t>(S.Position)},
                      {"num_shards", static_cast<int64_t>(S.NumShards)}};
}

bool fromJSON(const json::Value &V, StreamState &S, json::Path P) {
  const json::Object *O = V.getAsObject();
  if (!O) {
    P.report("expected an object");
    return false;
  }
  const char *Keys[] = {"shard", "pos", "num_shards"};
  uint64_t *Fields[] = {&S.ShardIndex, &S.Position, &S.NumShards};
  for (int I = 0; I < 3; ++I) {
    Optional<int64_t> N = O->getInteger(Keys[I]);
    if (!N || *N < 0) {
      P.field(Keys[I]).report("expected a non-negative integer");
      return false;
    }
    *Fields[I] = static_cast<uint64_t>(*N);
  }
  return true;
}

Expected<TokenStream> TokenStream::open(StringRef Pattern) {
  Expected<std::vector<std::string>> Files = expandGlob(Pattern);
  if (!Files)
    return Files.takeError();
  return openFiles(std::move(*Files));
}

Expected<TokenStream> TokenStream::openFiles(std::vector<std::string> Files) {
  if (Files.empty())
    return dataError("training stream has no shards (hint: pass a glob like "
                     "DIR/fineweb_train_*.bin)");
  for (const std::string &F : Files)
    if (sys::path::filename(F).startswith("fineweb_val_"))
      return dataError("training shard list contains validation shard '" + F +
                       "' (hint: never train on val; use "
                       "DIR/fineweb_train_*.bin)");
  TokenStream S;
  S.Files = std::move(Files);
  if (Error E = S.loadShard(0))
    return E;
  return S;
}

Error TokenStream::loadShard(uint64_t Index) {
  assert(Index < Files.size() && "shard index out of range");
  Expected<std::vector<uint16_t>> T = readShard(Files[Index]);
  if (!T)
    return T.takeError();
  Tokens = std::move(*T);
  ShardIndex = Index;
  Position = 0;
  return Error::success();
}

Error TokenStream::advance(uint64_t N, SmallVectorImpl<uint16_t> *Out) {
  uint64_t EmptyMoves = 0;
  while (N > 0) {
    uint64_t Avail = Tokens.size() - Position;
    if (Avail == 0) {
      if (++EmptyMoves > Files.size())
        return dataError("training shards '" + Files.front() +
                         "'... hold no tokens (hint: re-export the data)");
      if (Error E = loadShard((ShardIndex + 1) % Files.size()))
        return E;
      continue;
    }
    EmptyMoves = 0;
    uint64_t K = std::min(N, Avail);
    if (Out)
      Out->append(Tokens.begin() + Position, Tokens.begin() + Position + K);
    Position += K;
    N -= K;
  }
  return Error::success();
}

Error TokenStream::take(uint64_t N, SmallVectorImpl<uint16_t> &Out) {
  Out.clear();
  Out.reserve(N);
  return advance(N, &Out);
}

Error TokenStream::skip(uint64_t N) { return advance(N, nullptr); }

StreamState TokenStream::state() const {
  StreamState S;
  S.ShardIndex = ShardIndex;
  S.Position = Position;
  S.NumShards = Files.size();
  return S;
}

Error TokenStream::restore(const StreamState &S) {
  if (S.NumShards != Files.size())
    return dataError("cannot restore stream: checkpoint saw " +
                     Twine(S.NumShards) + " train shards, now " +
                     Twine(Files.size()) + " match (hint: resume with the "
                     "same train shard set)");
  if (S.ShardIndex >= Files.size())
    return dataError("cannot restore stream: shard index " +
                     Twine(S.ShardIndex) + " >= " + Twine(Files.size()) +
                     " (hint: the checkpoint's loader state is corrupt)");
  if (S.ShardIndex != ShardIndex || Tokens.empty())
    if (Error E = loadShard(S.ShardIndex))
      return E;
  if (S.Position > Tokens.size())
    return dataError("cannot restore stream: position " + Twine(S.Position) +
                     " is past the end of '" + Files[S.ShardIndex] + "' (" +
                     Twine(Tokens.size()) + " tokens) (hint: the shard "
                     "changed since the checkpoint was written)");
  ShardIndex = S.ShardIndex;
  Position = S.Position;
  return Error::success();
}

Expected<uint64_t> computeLocalTokens(uint64_t GlobalTokens, unsigned World,
                                      unsigned Accum, unsigned SeqLen) {
  if (World == 0 || Accum == 0 || SeqLen == 0)
    return dataError("loader: world size, grad accumulation and seq_len must "
                     "be positive (hint: check WORLD_SIZE, grad_accum, "
                     "seq_len)");
  uint64_t Local = GlobalTokens / (uint64_t(World) * Accum);
  if (Local == 0 || Local % SeqLen != 0)
    return dataError("loader: per-rank micro-batch " + Twine(Local) +
                     " tokens (global " + Twine(GlobalTokens) + " / (world " +
                     Twine(World) + " * accum " + Twine(Accum) +
                     ")) is not a positive multiple of seq_len " +
                     Twine(SeqLen) + " (hint: make train_batch_tokens a "
                     "multiple of world*accum*seq_len)");
  return Local;
}

Expected<DistributedLoader> DistributedLoader::open(StringRef Pattern,
                                                    unsigned Rank,
                                                    unsigned World) {
  if (World == 0 || Rank >= World)
    return dataError("loader: rank " + Twine(Rank) + " is not in [0, " +
                     Twine(World) + ") (hint: check RANK and WORLD_SIZE)");
  Expected<TokenStream> S = TokenStream::open(Pattern);
  if (!S)
    return S.takeError();
  return DistributedLoader(std::move(*S), Rank, World);
}

Error DistributedLoader::nextBatch(uint64_t GlobalTokens, unsigned SeqLen,
                                   unsigned GradAccum,
                                   SmallVectorImpl<int32_t> &X,
                                   SmallVectorImpl<int32_t> &Y) {
  Expected<uint64_t> Local =
      computeLocalTokens(GlobalTokens, World, GradAccum, SeqLen);
  if (!Local)
    return Local.takeError();
  uint64_t PerRank = *Local + 1;
  if (Error E = Stream.skip(PerRank * Rank))
    return E;
  if (Error E = Stream.take(PerRank, Span))
    return E;
  if (Error E = Stream.skip(PerRank * (World - 1 - Rank)))
    return E;
  X.assign(Span.begin(), Span.end() - 1);
  Y.assign(Span.begin() + 1, Span.end());
  return Error::success();
}

} // namespace data
} // namespace hybc
