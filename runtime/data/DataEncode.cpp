//===- runtime/data/DataEncode.cpp - `hybc data encode` -------------------===//
//
/// \file
/// Document → shard export with the semantics of the challenge's
/// `export_shards`: BOS + ids per document, val docs first, fixed-size
/// shards filled across document boundaries, partial shard flushed at the
/// val→train switch and at the end.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/DataCommands.h"
#include "runtime/data/DataError.h"
#include "runtime/data/DocReader.h"
#include "runtime/data/Shard.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cassert>
#include <cstdio>

using namespace llvm;

namespace hybc {
namespace data {

namespace {

/// Accumulates tokens into fixed-size shards and writes them.
class ShardSink {
public:
  ShardSink(StringRef Dir, uint64_t ShardTokens, DataEncodeStats &Stats)
      : Dir(Dir.str()), ShardTokens(ShardTokens), Stats(Stats) {}

  /// Appends one document's tokens to the split \p Val (true = val).
  Error appendDoc(ArrayRef<uint16_t> Toks, bool Val) {
    if (Val != InVal) {
      if (Error E = flush())
        return E;
      InVal = Val;
    }
    (Val ? Stats.DocsVal : Stats.DocsTrain) += 1;
    (Val ? Stats.TokensVal : Stats.TokensTrain) += Toks.size();
    while (!Toks.empty()) {
      size_t Take = std::min<uint64_t>(ShardTokens - Buf.size(), Toks.size());
      Buf.insert(Buf.end(), Toks.begin(), Toks.begin() + Take);
      Toks = Toks.drop_front(Take);
      if (Buf.size() == ShardTokens)
        if (Error E = flush())
          return E;
    }
    return Error::success();
  }

  /// Writes the partial shard, if any.
  Error flush() {
    if (Buf.empty())
      return Error::success();
    uint64_t &Files = InVal ? Stats.FilesVal : Stats.FilesTrain;
    char Name[64];
    std::snprintf(Name, sizeof(Name), "fineweb_%s_%06llu.bin",
                  InVal ? "val" : "train",
                  static_cast<unsigned long long>(Files));
    SmallString<256> Path(Dir);
    sys::path::append(Path, Name);
    if (Error E = writeShard(Path, Buf))
      return E;
    Written.insert(Path);
    ++Files;
    Buf.clear();
    return Error::success();
  }

  /// Paths written so far.
  const StringSet<> &written() const { return Written; }

private:
  std::string Dir;
  uint64_t ShardTokens;
  DataEncodeStats &Stats;
  bool InVal = true;
  std::vector<uint16_t> Buf;
  StringSet<> Written;
};

/// Removes `fineweb_{train,val}_*.bin` in Dir that this run did not write,
/// so a later glob never mixes old and new shards.
void removeStaleShards(StringRef Dir, const StringSet<> &Written) {
  for (const char *Split : {"train", "val"}) {
    SmallString<256> Pattern(Dir);
    sys::path::append(Pattern, Twine("fineweb_") + Split + "_*.bin");
    Expected<std::vector<std::string>> Files = expandGlob(Pattern);
    if (!Files) {
      consumeError(Files.takeError());
      continue;
    }
    for (const std::string &F : *Files)
      if (!Written.count(F))
        (void)sys::fs::remove(F);
  }
}

Error checkEncodeOptions(const DataEncodeOptions &O) {
  if (O.TokenizerPath.empty() || O.InputPath.empty() || O.OutDir.empty())
    return dataError("data encode: --tokenizer, --input and --out are "
                     "required (hint: see 'hybc data --help')");
  if (O.ShardTokens == 0 || O.ShardTokens >= (uint64_t(1) << 31))
    return dataError("data encode: --shard-tokens " + Twine(O.ShardTokens) +
                     " must be in [1, 2^31) (hint: the default is "
                     "100000000)");
  return Error::success();
}

Error loadProcessor(StringRef Path, sentencepiece::SentencePieceProcessor &SP) {
  sentencepiece::util::Status S = SP.Load(Path.str());
  if (!S.ok())
    return dataError("tokenizer '" + Path + "': cannot load: " + S.ToString() +
                     " (hint: pass a SentencePiece .model file)");
  if (SP.GetPieceSize() > 65536)
    return dataError("tokenizer '" + Path + "': vocab " +
                     Twine(SP.GetPieceSize()) + " does not fit uint16 shards "
                     "(hint: use a vocab of at most 65536)");
  if (SP.bos_id() < 0)
    return dataError("tokenizer '" + Path + "' has no BOS piece (hint: train "
                     "it with bos_id=1, e.g. 'hybc data train-tokenizer')");
  return Error::success();
}

} // namespace

Error runDataEncode(const DataEncodeOptions &Opts, DataEncodeStats *StatsOut) {
  if (Error E = checkEncodeOptions(Opts))
    return E;
  sentencepiece::SentencePieceProcessor SP;
  if (Error E = loadProcessor(Opts.TokenizerPath, SP))
    return E;
  Expected<uint64_t> NumDocs = countDocs(Opts.InputPath);
  if (!NumDocs)
    return NumDocs.takeError();
  if (Opts.ValDocs > *NumDocs)
    return dataError("data encode: --val-docs " + Twine(Opts.ValDocs) +
                     " exceeds the " + Twine(*NumDocs) + " documents of '" +
                     Opts.InputPath + "' (hint: pass --val-docs N with N <= " +
                     Twine(*NumDocs) + ")");
  if (std::error_code EC = sys::fs::create_directories(Opts.OutDir))
    return dataError("data encode: cannot create '" + Opts.OutDir + "': " +
                     EC.message() + " (hint: check permissions)");
  DataEncodeStats Stats;
  ShardSink Sink(Opts.OutDir, Opts.ShardTokens, Stats);
  std::vector<int> Ids;
  std::vector<uint16_t> Toks;
  uint64_t DocIndex = 0;
  Error E = forEachDoc(Opts.InputPath, [&](StringRef Text) -> Error {
    Ids.clear();
    sentencepiece::util::Status S =
        SP.Encode(absl::string_view(Text.data(), Text.size()), &Ids);
    if (!S.ok())
      return dataError("input '" + Opts.InputPath + "' doc " +
                       Twine(DocIndex) + ": encode failed: " + S.ToString() +
                       " (hint: the text must be valid UTF-8)");
    Toks.assign(1, static_cast<uint16_t>(SP.bos_id()));
    for (int Id : Ids) {
      assert(Id >= 0 && Id < SP.GetPieceSize() && "id outside the vocab");
      Toks.push_back(static_cast<uint16_t>(Id));
    }
    return Sink.appendDoc(Toks, DocIndex++ < Opts.ValDocs);
  });
  if (!E)
    E = Sink.flush();
  if (E)
    return E;
  removeStaleShards(Opts.OutDir, Sink.written());
  if (StatsOut)
    *StatsOut = Stats;
  return Error::success();
}

} // namespace data
} // namespace hybc
