//===- tests/data_lib/DataCommandsTest.cpp - `hybc data` command tests ----===//
//
/// \file
/// encode with the shipped SP-1024 tokenizer (BOS layout, decode round trip,
/// sharding, stale-shard removal, input errors), train-tokenizer on a small
/// FineWeb fixture, and the argv parser.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/DataCommands.h"
#include "runtime/data/Shard.h"
#include "TestUtil.h"

#include <sentencepiece_processor.h>

using namespace hybc;
using namespace hybc::data;

namespace {

const char *kModel = "data/sample/fineweb_1024_bpe.model";

const std::vector<std::string> kDocs = {
    "Hello world, this is hybc.", "The quick brown fox jumps over 1234 dogs.",
    "Parameter Golf asks for the best model in 16 MB.",
    "Short.", "Mamba layers carry state; attention looks back."};

std::string jsonLines(const std::vector<std::string> &Docs) {
  std::string S;
  for (const std::string &D : Docs)
    S += "{\"id\": 7, \"text\": \"" + D + "\"}\n\n";
  return S;
}

std::vector<uint16_t> readAll(const std::string &Pattern) {
  std::vector<uint16_t> All;
  auto Files = expandGlob(Pattern);
  if (!Files) {
    llvm::consumeError(Files.takeError());
    return All;
  }
  for (const std::string &F : *Files) {
    auto T = readShard(F);
    EXPECT_TRUE(static_cast<bool>(T));
    if (T)
      All.insert(All.end(), T->begin(), T->end());
  }
  return All;
}

/// Splits a token stream into documents at BOS (=1).
std::vector<std::vector<int>> splitDocs(const std::vector<uint16_t> &T) {
  std::vector<std::vector<int>> Docs;
  for (uint16_t X : T) {
    if (X == 1)
      Docs.emplace_back();
    else if (!Docs.empty())
      Docs.back().push_back(X);
  }
  return Docs;
}

TEST(DataEncode, JsonlBosLayoutAndRoundTrip) {
  test::TempDir T;
  std::string In = T.path("docs.jsonl");
  test::writeRaw(In, jsonLines(kDocs));
  DataEncodeOptions O;
  O.TokenizerPath = test::repoPath(kModel);
  O.InputPath = In;
  O.OutDir = T.path("out");
  O.ValDocs = 2;
  O.ShardTokens = 16;
  DataEncodeStats S;
  HYBC_ASSERT_OK(runDataEncode(O, &S));
  EXPECT_EQ(S.DocsVal, 2u);
  EXPECT_EQ(S.DocsTrain, 3u);
  std::vector<uint16_t> Val = readAll(T.path("out/fineweb_val_*.bin"));
  std::vector<uint16_t> Train = readAll(T.path("out/fineweb_train_*.bin"));
  ASSERT_FALSE(Val.empty());
  ASSERT_FALSE(Train.empty());
  EXPECT_EQ(Val[0], 1u) << "first token is BOS";
  EXPECT_EQ(Train[0], 1u) << "val->train switch starts a new shard";
  EXPECT_EQ(S.TokensVal, Val.size());
  EXPECT_EQ(S.TokensTrain, Train.size());
  EXPECT_EQ(S.FilesTrain, (Train.size() + 15) / 16);
  auto Last = readShardTokenCount(
      T.path("out/fineweb_train_00000" + std::to_string(S.FilesTrain - 1) +
             ".bin"));
  HYBC_ASSERT_EXPECTED(Last);
  EXPECT_EQ(*Last, Train.size() - 16 * (S.FilesTrain - 1));

  sentencepiece::SentencePieceProcessor SP;
  ASSERT_TRUE(SP.Load(test::repoPath(kModel)).ok());
  std::vector<std::vector<int>> Docs = splitDocs(Val);
  std::vector<std::vector<int>> TrainDocs = splitDocs(Train);
  Docs.insert(Docs.end(), TrainDocs.begin(), TrainDocs.end());
  ASSERT_EQ(Docs.size(), kDocs.size());
  for (size_t I = 0; I < Docs.size(); ++I) {
    std::string Text;
    ASSERT_TRUE(SP.Decode(Docs[I], &Text).ok());
    EXPECT_EQ(Text, kDocs[I]);
    std::vector<int> Ids;
    ASSERT_TRUE(SP.Encode(kDocs[I], &Ids).ok());
    EXPECT_EQ(Ids, Docs[I]) << "no EOS, no separators";
  }
}

TEST(DataEncode, ReproducesShippedTrainTokens) {
  // The fixture holds sample200 docs 0..23 and 26; the shipped train shard
  // starts with sample200 docs 0..199 encoded by the upstream pipeline.
  test::TempDir T;
  DataEncodeOptions O;
  O.TokenizerPath = test::repoPath(kModel);
  O.InputPath = test::repoPath("tests/data/fineweb_docs_200k.jsonl");
  O.OutDir = T.path("out");
  O.ValDocs = 0;
  HYBC_ASSERT_OK(runDataEncode(O));
  std::vector<std::vector<int>> Mine =
      splitDocs(readAll(T.path("out/fineweb_train_*.bin")));
  std::vector<std::vector<int>> Ref =
      splitDocs(readAll(test::repoPath("data/sample/fineweb_train_*.bin")));
  ASSERT_EQ(Mine.size(), 25u);
  ASSERT_GE(Ref.size(), 27u);
  for (size_t I = 0; I < 24; ++I)
    EXPECT_EQ(Mine[I], Ref[I]) << "doc " << I;
  EXPECT_EQ(Mine[24], Ref[26]);
}

TEST(DataEncode, TextInputAndStaleShardRemoval) {
  test::TempDir T;
  std::string In = T.path("docs.txt");
  test::writeRaw(In, "first doc\r\nsecond doc\n\nthird doc\n");
  std::string Out = T.path("out");
  ASSERT_FALSE(llvm::sys::fs::create_directories(Out));
  HYBC_ASSERT_OK(writeShard(Out + "/fineweb_train_000007.bin", {9, 9}));
  std::string Msg;
  llvm::raw_string_ostream OS(Msg);
  std::vector<std::string> Argv = {"encode", "--tokenizer",
                                   test::repoPath(kModel), "--input=" + In,
                                   "--out", Out, "--val-docs", "0"};
  std::vector<llvm::StringRef> Args(Argv.begin(), Argv.end());
  HYBC_ASSERT_OK(runDataCommand(Args, OS));
  EXPECT_NE(OS.str().find("encoded 3 docs"), std::string::npos) << Msg;
  EXPECT_FALSE(llvm::sys::fs::exists(Out + "/fineweb_train_000007.bin"));
  EXPECT_FALSE(llvm::sys::fs::exists(Out + "/fineweb_val_000000.bin"));
  std::vector<std::vector<int>> Docs =
      splitDocs(readAll(Out + "/fineweb_train_*.bin"));
  ASSERT_EQ(Docs.size(), 3u);
  sentencepiece::SentencePieceProcessor SP;
  ASSERT_TRUE(SP.Load(test::repoPath(kModel)).ok());
  std::string Text;
  ASSERT_TRUE(SP.Decode(Docs[0], &Text).ok());
  EXPECT_EQ(Text, "first doc");
}

TEST(DataEncode, InputErrors) {
  test::TempDir T;
  DataEncodeOptions O;
  O.TokenizerPath = test::repoPath(kModel);
  O.OutDir = T.path("out");
  O.InputPath = T.path("bad.jsonl");
  test::writeRaw(O.InputPath, "{\"text\": \"ok\"}\n{\"text\": 5}\n");
  O.ValDocs = 0;
  HYBC_EXPECT_ERROR(runDataEncode(O), "bad.jsonl' line 2", "\"text\"",
                    "hint:");
  test::writeRaw(O.InputPath, "{\"text\": \"ok\"}\nnot json\n");
  HYBC_EXPECT_ERROR(runDataEncode(O), "line 2", "invalid JSON");
  test::writeRaw(O.InputPath, "{\"text\": \"ok\"}\n");
  O.ValDocs = 50000;
  HYBC_EXPECT_ERROR(runDataEncode(O), "--val-docs 50000", "1 documents");
  O.InputPath = T.path("missing.jsonl");
  HYBC_EXPECT_ERROR(runDataEncode(O), "missing.jsonl", "cannot read");
  O.TokenizerPath = T.path("none.model");
  HYBC_EXPECT_ERROR(runDataEncode(O), "none.model", "hint:");
}

TEST(DataCommand, HelpAndArgumentErrors) {
  std::string Msg;
  llvm::raw_string_ostream OS(Msg);
  llvm::StringRef Help[] = {"--help"};
  HYBC_ASSERT_OK(runDataCommand(Help, OS));
  EXPECT_NE(OS.str().find("train-tokenizer"), std::string::npos);
  EXPECT_NE(OS.str().find("--shard-tokens"), std::string::npos);
  llvm::StringRef Bad[] = {"frobnicate"};
  HYBC_EXPECT_ERROR(runDataCommand(Bad, OS), "'frobnicate'", "hint:");
  llvm::StringRef BadOpt[] = {"encode", "--nope", "1"};
  HYBC_EXPECT_ERROR(runDataCommand(BadOpt, OS), "'--nope'");
  llvm::StringRef Missing[] = {"encode", "--input"};
  HYBC_EXPECT_ERROR(runDataCommand(Missing, OS), "needs a value");
  llvm::StringRef NotNum[] = {"train-tokenizer", "--vocab", "many"};
  HYBC_EXPECT_ERROR(runDataCommand(NotNum, OS), "--vocab 'many'");
  llvm::StringRef Required[] = {"encode", "--input", "x.jsonl"};
  HYBC_EXPECT_ERROR(runDataCommand(Required, OS), "required");
}

TEST(TrainTokenizer, SmallFineWebFixture) {
  test::TempDir T;
  TrainTokenizerOptions O;
  O.InputPath = test::repoPath("tests/data/fineweb_docs_200k.jsonl");
  O.VocabSize = 400;
  O.OutPrefix = T.path("tok");
  O.NumThreads = 2;
  HYBC_ASSERT_OK(runTrainTokenizer(O));
  sentencepiece::SentencePieceProcessor SP;
  ASSERT_TRUE(SP.Load(O.OutPrefix + ".model").ok());
  EXPECT_EQ(SP.GetPieceSize(), 400);
  EXPECT_EQ(SP.pad_id(), 0);
  EXPECT_EQ(SP.bos_id(), 1);
  EXPECT_EQ(SP.eos_id(), 2);
  EXPECT_EQ(SP.unk_id(), 3);
  EXPECT_TRUE(SP.IsByte(4)) << "byte_fallback pieces follow the specials";
  std::vector<int> Ids;
  ASSERT_TRUE(SP.Encode("2024", &Ids).ok());
  EXPECT_EQ(Ids.size(), 4u) << "split_digits";
  std::string Vocab = test::readFileText(O.OutPrefix + ".vocab");
  EXPECT_EQ(std::count(Vocab.begin(), Vocab.end(), '\n'), 400);
  EXPECT_EQ(Vocab.rfind("<pad>\t0\n<s>\t0\n", 0), 0u);

  O.VocabSize = 300; // < 260 byte/special pieces + required characters
  HYBC_EXPECT_ERROR(runTrainTokenizer(O), "fineweb_docs_200k.jsonl",
                    "raise --vocab");
}

} // namespace
