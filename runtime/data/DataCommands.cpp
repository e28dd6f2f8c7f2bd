//===- runtime/data/DataCommands.cpp - `hybc data` argument parsing -------===//
//
/// \file
/// Tiny argv parser for `hybc data encode|train-tokenizer|--help`, so the
/// driver only forwards the arguments after `data`.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/DataCommands.h"
#include "runtime/data/DataError.h"

#include "llvm/ADT/StringMap.h"

using namespace llvm;

namespace hybc {
namespace data {

namespace {

constexpr const char *kHelp =
    "usage: hybc data <command> [options]\n"
    "\n"
    "commands:\n"
    "  encode --tokenizer M.model --input docs.jsonl|docs.txt --out DIR\n"
    "         [--val-docs N (default 50000)] [--shard-tokens N (default "
    "100000000)]\n"
    "      each doc -> BOS + ids (no EOS); first N docs -> "
    "fineweb_val_NNNNNN.bin,\n"
    "      the rest -> fineweb_train_NNNNNN.bin (.jsonl: field \"text\"; "
    ".txt: one doc per line)\n"
    "  train-tokenizer --input docs.jsonl|docs.txt --vocab N --out PREFIX\n"
    "         [--max-docs N] [--threads N] [--verbose]\n"
    "      SentencePiece BPE with the challenge settings; writes "
    "PREFIX.model, PREFIX.vocab\n";

/// Parses `--name value` / `--name=value` pairs; only names in Allowed.
Error parseFlags(StringRef Cmd, ArrayRef<StringRef> Args,
                 ArrayRef<StringRef> Allowed, StringMap<std::string> &Flags) {
  for (size_t I = 0; I < Args.size(); ++I) {
    StringRef Arg = Args[I];
    if (!Arg.consume_front("--"))
      return dataError("data " + Cmd + ": unexpected argument '" + Arg +
                       "' (hint: options look like --name value; see 'hybc "
                       "data --help')");
    auto [Name, Value] = Arg.split('=');
    if (!is_contained(Allowed, Name))
      return dataError("data " + Cmd + ": unknown option '--" + Name +
                       "' (hint: see 'hybc data --help')");
    if (Name == "verbose" && !Arg.contains('=')) {
      Value = "1";
    } else if (!Arg.contains('=')) {
      if (I + 1 >= Args.size())
        return dataError("data " + Cmd + ": option '--" + Name +
                         "' needs a value (hint: --" + Name + " VALUE)");
      Value = Args[++I];
    }
    Flags[Name] = Value.str();
  }
  return Error::success();
}

/// Reads an optional non-negative integer flag into Out.
Error intFlag(StringRef Cmd, const StringMap<std::string> &Flags,
              StringRef Name, uint64_t &Out) {
  auto It = Flags.find(Name);
  if (It == Flags.end())
    return Error::success();
  if (StringRef(It->second).getAsInteger(10, Out))
    return dataError("data " + Cmd + ": --" + Name + " '" + It->second +
                     "' is not a non-negative integer (hint: e.g. --" + Name +
                     " 1000)");
  return Error::success();
}

std::string strFlag(const StringMap<std::string> &Flags, StringRef Name) {
  auto It = Flags.find(Name);
  return It == Flags.end() ? std::string() : It->second;
}

Error runEncodeCommand(ArrayRef<StringRef> Args, raw_ostream &Out) {
  StringMap<std::string> Flags;
  if (Error E = parseFlags("encode", Args,
                           {"tokenizer", "input", "out", "val-docs",
                            "shard-tokens"},
                           Flags))
    return E;
  DataEncodeOptions O;
  O.TokenizerPath = strFlag(Flags, "tokenizer");
  O.InputPath = strFlag(Flags, "input");
  O.OutDir = strFlag(Flags, "out");
  if (Error E = intFlag("encode", Flags, "val-docs", O.ValDocs))
    return E;
  if (Error E = intFlag("encode", Flags, "shard-tokens", O.ShardTokens))
    return E;
  DataEncodeStats S;
  if (Error E = runDataEncode(O, &S))
    return E;
  Out << "encoded " << (S.DocsVal + S.DocsTrain) << " docs into '" << O.OutDir
      << "': val " << S.DocsVal << " docs / " << S.TokensVal << " tokens / "
      << S.FilesVal << " shards, train " << S.DocsTrain << " docs / "
      << S.TokensTrain << " tokens / " << S.FilesTrain << " shards\n";
  return Error::success();
}

Error runTrainTokenizerCommand(ArrayRef<StringRef> Args, raw_ostream &Out) {
  StringMap<std::string> Flags;
  if (Error E = parseFlags("train-tokenizer", Args,
                           {"input", "vocab", "out", "max-docs", "threads",
                            "verbose"},
                           Flags))
    return E;
  TrainTokenizerOptions O;
  O.InputPath = strFlag(Flags, "input");
  O.OutPrefix = strFlag(Flags, "out");
  uint64_t Vocab = 0, Threads = 0;
  if (Error E = intFlag("train-tokenizer", Flags, "vocab", Vocab))
    return E;
  if (Error E = intFlag("train-tokenizer", Flags, "max-docs", O.MaxDocs))
    return E;
  if (Error E = intFlag("train-tokenizer", Flags, "threads", Threads))
    return E;
  if (Vocab > 65536 || Threads > 4096)
    return dataError("data train-tokenizer: --vocab must be <= 65536 and "
                     "--threads <= 4096 (hint: e.g. --vocab 1024)");
  O.VocabSize = static_cast<unsigned>(Vocab);
  O.NumThreads = static_cast<unsigned>(Threads);
  O.Verbose = Flags.count("verbose") && Flags["verbose"] != "0";
  if (Error E = runTrainTokenizer(O))
    return E;
  Out << "wrote '" << O.OutPrefix << ".model' and '" << O.OutPrefix
      << ".vocab'\n";
  return Error::success();
}

} // namespace

Error runDataCommand(ArrayRef<StringRef> Args, raw_ostream &Out) {
  if (Args.empty() || Args[0] == "--help" || Args[0] == "-h" ||
      Args[0] == "help") {
    Out << kHelp;
    return Error::success();
  }
  if (is_contained(Args.drop_front(), StringRef("--help"))) {
    Out << kHelp;
    return Error::success();
  }
  if (Args[0] == "encode")
    return runEncodeCommand(Args.drop_front(), Out);
  if (Args[0] == "train-tokenizer")
    return runTrainTokenizerCommand(Args.drop_front(), Out);
  return dataError("data: unknown command '" + Args[0] +
                   "' (hint: use 'encode' or 'train-tokenizer'; see 'hybc "
                   "data --help')");
}

} // namespace data
} // namespace hybc
