//===- runtime/data/DataCommands.h - `hybc data ...` commands ----*- C++ -*-===//
//
/// \file
/// The data preparation commands of the hybc CLI, mirroring the challenge's
/// `download_hf_docs_and_tokenize.py`:
///   * `hybc data encode --tokenizer M.model --input docs.jsonl|docs.txt
///      --out DIR [--val-docs N] [--shard-tokens N]`: every document becomes
///     `BOS + sp.Encode(text)` (no EOS); the first N docs go to
///     `fineweb_val_NNNNNN.bin`, the rest to `fineweb_train_NNNNNN.bin`,
///     shards of --shard-tokens (default 10^8) tokens; documents span shard
///     boundaries; the val→train switch flushes the partial shard.
///   * `hybc data train-tokenizer --input docs.jsonl --vocab N --out PREFIX
///      [--max-docs N]`: SentencePiece BPE with the official settings, writes
///     PREFIX.model and PREFIX.vocab.
///
/// Example:
/// \code
///   hybc::data::DataEncodeOptions O;
///   O.TokenizerPath = "data/sample/fineweb_1024_bpe.model";
///   O.InputPath = "docs.jsonl"; O.OutDir = "out"; O.ValDocs = 10;
///   if (llvm::Error E = hybc::data::runDataEncode(O)) return E;
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_DATACOMMANDS_H
#define HYBC_RUNTIME_DATA_DATACOMMANDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace hybc {
namespace data {

/// Default shard size in tokens (the challenge's SHARD_SIZE).
constexpr uint64_t kDefaultShardTokens = 100000000;
/// Default number of validation documents (the challenge's NUM_VAL_DOCS).
constexpr uint64_t kDefaultValDocs = 50000;

/// Options of `hybc data encode`.
struct DataEncodeOptions {
  std::string TokenizerPath;                  ///< SentencePiece .model.
  std::string InputPath;                      ///< .jsonl ("text") or .txt.
  std::string OutDir;                         ///< Created if missing.
  uint64_t ValDocs = kDefaultValDocs;         ///< First N docs → val.
  uint64_t ShardTokens = kDefaultShardTokens; ///< Tokens per shard.
};

/// What `hybc data encode` wrote.
struct DataEncodeStats {
  uint64_t DocsVal = 0, DocsTrain = 0;
  uint64_t TokensVal = 0, TokensTrain = 0;
  uint64_t FilesVal = 0, FilesTrain = 0;
};

/// Encodes the documents of Opts.InputPath into shards under Opts.OutDir
/// (atomic writes; stale `fineweb_{train,val}_*.bin` not rewritten are
/// removed afterwards). Fills \p Stats when given.
llvm::Error runDataEncode(const DataEncodeOptions &Opts,
                          DataEncodeStats *Stats = nullptr);

/// Options of `hybc data train-tokenizer`.
struct TrainTokenizerOptions {
  std::string InputPath;  ///< .jsonl ("text") or .txt, one doc per line.
  unsigned VocabSize = 0; ///< Requested vocab (soft limit, as upstream).
  std::string OutPrefix;  ///< Writes OutPrefix.model and OutPrefix.vocab.
  uint64_t MaxDocs = 0;   ///< Use only the first N docs (0 = all).
  unsigned NumThreads = 0; ///< Trainer threads (0 = SentencePiece default).
  bool Verbose = false;    ///< Keep SentencePiece's INFO log lines.
};

/// Trains a SentencePiece BPE tokenizer with the challenge settings
/// (byte_fallback, split_digits, nmt_nfkc, no dummy prefix, character
/// coverage 0.999, pad/bos/eos/unk = 0/1/2/3, hard_vocab_limit=false).
/// Docs get "\0" → " " and surrounding whitespace stripped; empty docs are
/// skipped. Both output files are written atomically.
llvm::Error runTrainTokenizer(const TrainTokenizerOptions &Opts);

/// Parses and runs `hybc data <Args...>`: Args[0] is `encode`,
/// `train-tokenizer` or `--help`; flags are `--name value` or
/// `--name=value`. Help and summaries go to \p Out.
llvm::Error runDataCommand(llvm::ArrayRef<llvm::StringRef> Args,
                           llvm::raw_ostream &Out);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_DATACOMMANDS_H
