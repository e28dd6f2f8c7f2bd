//===- runtime/data/TrainTokenizer.cpp - `hybc data train-tokenizer` ------===//
//
/// \file
/// SentencePiece BPE training with the challenge's settings
/// (`build_sentencepiece_tokenizer` in download_hf_docs_and_tokenize.py).
/// Documents are fed through a SentenceIterator; the model comes back as a
/// serialized proto and is written atomically with its .vocab listing.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/AtomicFile.h"
#include "runtime/data/DataCommands.h"
#include "runtime/data/DataError.h"
#include "runtime/data/DocReader.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>
#include <vector>

using namespace llvm;

namespace hybc {
namespace data {

namespace {

/// Feeds prepared documents to the trainer.
class DocIterator : public sentencepiece::SentenceIterator {
public:
  explicit DocIterator(const std::vector<std::string> &Docs) : Docs(Docs) {}
  bool done() const override { return Index >= Docs.size(); }
  void Next() override { ++Index; }
  const std::string &value() const override { return Docs[Index]; }
  sentencepiece::util::Status status() const override {
    return sentencepiece::util::Status();
  }

private:
  const std::vector<std::string> &Docs;
  size_t Index = 0;
};

/// Loads docs with the upstream preparation: NUL → space, strip, skip empty.
Expected<std::vector<std::string>> loadTrainingDocs(StringRef Path,
                                                    uint64_t MaxDocs) {
  std::vector<std::string> Docs;
  uint64_t Seen = 0;
  Error E = forEachDoc(Path, [&](StringRef Text) -> Error {
    if (MaxDocs && Seen >= MaxDocs)
      return Error::success();
    ++Seen;
    std::string T = Text.str();
    std::replace(T.begin(), T.end(), '\0', ' ');
    StringRef Trimmed = StringRef(T).trim();
    if (!Trimmed.empty())
      Docs.push_back(Trimmed.str());
    return Error::success();
  });
  if (E)
    return E;
  if (Docs.empty())
    return dataError("train-tokenizer: input '" + Path + "' has no non-empty "
                     "documents (hint: pass a .jsonl with \"text\" fields or "
                     "a .txt with one document per line)");
  return Docs;
}

std::unordered_map<std::string, std::string>
trainerArgs(const TrainTokenizerOptions &Opts) {
  std::unordered_map<std::string, std::string> A = {
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(Opts.VocabSize)},
      {"character_coverage", "0.999"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "nmt_nfkc"},
      {"add_dummy_prefix", "false"},
      {"pad_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"unk_id", "3"},
      {"hard_vocab_limit", "false"},
  };
  // SentencePiece's log level is process-global; INFO lines only on request.
  A["minloglevel"] = Opts.Verbose ? "0" : "1";
  if (Opts.NumThreads)
    A["num_threads"] = std::to_string(Opts.NumThreads);
  return A;
}

/// Renders the `.vocab` listing (`piece<TAB>score` per line).
Expected<std::string> renderVocab(StringRef Proto, StringRef ModelPath) {
  sentencepiece::SentencePieceProcessor SP;
  sentencepiece::util::Status S =
      SP.LoadFromSerializedProto(absl::string_view(Proto.data(), Proto.size()));
  if (!S.ok())
    return dataError("train-tokenizer: trained model '" + ModelPath +
                     "' does not load: " + S.ToString() +
                     " (hint: report this; the trainer output is corrupt)");
  std::string Out;
  raw_string_ostream OS(Out);
  for (int Id = 0; Id < SP.GetPieceSize(); ++Id)
    OS << SP.IdToPiece(Id) << '\t' << format("%g", SP.GetScore(Id)) << '\n';
  return OS.str();
}

} // namespace

Error runTrainTokenizer(const TrainTokenizerOptions &Opts) {
  if (Opts.InputPath.empty() || Opts.OutPrefix.empty() || Opts.VocabSize == 0)
    return dataError("train-tokenizer: --input, --vocab and --out are "
                     "required (hint: see 'hybc data --help')");
  if (Opts.VocabSize > 65536)
    return dataError("train-tokenizer: --vocab " + Twine(Opts.VocabSize) +
                     " does not fit uint16 shards (hint: use at most 65536)");
  Expected<std::vector<std::string>> Docs =
      loadTrainingDocs(Opts.InputPath, Opts.MaxDocs);
  if (!Docs)
    return Docs.takeError();
  DocIterator It(*Docs);
  std::string Proto;
  sentencepiece::util::Status S = sentencepiece::SentencePieceTrainer::Train(
      trainerArgs(Opts), &It, &Proto);
  std::string ModelPath = Opts.OutPrefix + ".model";
  if (!S.ok())
    return dataError("train-tokenizer: training on '" + Opts.InputPath +
                     "' failed: " + S.ToString() + " (hint: a byte-fallback "
                     "vocab needs 260 + the distinct characters; raise "
                     "--vocab or add text)");
  Expected<std::string> Vocab = renderVocab(Proto, ModelPath);
  if (!Vocab)
    return Vocab.takeError();
  if (Error E = writeFileAtomic(ModelPath, StringRef(Proto)))
    return E;
  return writeFileAtomic(Opts.OutPrefix + ".vocab", StringRef(*Vocab));
}

} // namespace data
} // namespace hybc
