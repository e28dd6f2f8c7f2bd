//===- tests/data_lib/ValSetLutsTest.cpp - ValSet and tokenizer LUT tests -===//
//
/// \file
/// Val truncation (formula, cap, the shipped sample) and the byte tables of
/// the shipped SP-1024 tokenizer.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Shard.h"
#include "runtime/data/TokenizerLuts.h"
#include "runtime/data/ValSet.h"
#include "TestUtil.h"

using namespace hybc;
using namespace hybc::data;

namespace {

const char *kSampleModel = "data/sample/fineweb_1024_bpe.model";
const char *kSampleVal = "data/sample/fineweb_val_*.bin";

TEST(ValSet, TruncationFormula) {
  EXPECT_EQ(valTokensKept(10, 4), 9u);   // (9/4)*4+1
  EXPECT_EQ(valTokensKept(9, 4), 9u);    // exact fit
  EXPECT_EQ(valTokensKept(8, 4), 5u);
  EXPECT_EQ(valTokensKept(4, 4), 0u);    // no full sequence
  EXPECT_EQ(valTokensKept(100, 4, 10), 9u); // cap keeps multiple of L, +1
  EXPECT_EQ(valTokensKept(100, 4, 3), 0u);
  EXPECT_EQ(valTokensKept(62021846, 1024), 62021633u);
}

TEST(ValSet, MakeValSetAndErrors) {
  std::vector<uint16_t> T(11);
  auto V = makeValSet(T, 4, 0, "toy");
  HYBC_ASSERT_EXPECTED(V);
  EXPECT_EQ(V->numTargets(), 8u);
  EXPECT_EQ(V->numSeqs(), 2u);
  EXPECT_EQ(V->RawTokens, 11u);
  HYBC_EXPECT_ERROR(makeValSet(T, 16, 0, "toy").takeError(), "'toy'",
                    "too short", "hint:");
}

TEST(ValSet, ShippedSamplePrefix) {
  auto V = loadValSet(test::repoPath(kSampleVal), 1024);
  HYBC_ASSERT_EXPECTED(V);
  EXPECT_EQ(V->RawTokens, 1040298u);
  EXPECT_EQ(V->numTargets(), 1039360u);
  EXPECT_EQ(V->Tokens.front(), 1u) << "val starts with BOS";
  auto Capped = loadValSet(test::repoPath(kSampleVal), 1024, 100000);
  HYBC_ASSERT_EXPECTED(Capped);
  EXPECT_EQ(Capped->numTargets(), 97u * 1024u);
  EXPECT_TRUE(std::equal(Capped->Tokens.begin(), Capped->Tokens.end(),
                         V->Tokens.begin()));
  HYBC_ASSERT_OK(checkTokenRange(V->Tokens, 1024, "sample val"));
}

TEST(ValSet, RefusesTrainShards) {
  std::string P = test::repoPath("data/sample/fineweb_*.bin");
  HYBC_EXPECT_ERROR(loadValSet(P, 1024).takeError(), "fineweb_train_000000",
                    "hint:");
}

TEST(TokenizerLuts, ShippedSp1024Tables) {
  auto L = loadTokenizerLuts(test::repoPath(kSampleModel), 1024);
  HYBC_ASSERT_EXPECTED(L);
  ASSERT_EQ(L->size(), 1024u);
  EXPECT_EQ(L->TokenizerVocab, 1024u);
  EXPECT_EQ(L->SpaceId, 939);
  EXPECT_EQ(L->BaseBytes[939], 0);
  EXPECT_EQ(L->HasLeadingSpace[939], 1);
  for (int Id = 0; Id < 4; ++Id) { // pad, bos, eos, unk
    EXPECT_EQ(L->IsBoundary[Id], 1) << Id;
    EXPECT_EQ(L->BaseBytes[Id], 0) << Id;
  }
  for (int Id = 4; Id < 4 + 256; ++Id) { // <0x00>..<0xFF>
    EXPECT_EQ(L->BaseBytes[Id], 1) << Id;
    EXPECT_EQ(L->IsBoundary[Id], 0) << Id;
    EXPECT_EQ(L->HasLeadingSpace[Id], 0) << Id;
  }
  auto Pieces = loadSentencePieces(test::repoPath(kSampleModel));
  HYBC_ASSERT_EXPECTED(Pieces);
  for (size_t Id = 260; Id < Pieces->size(); ++Id) {
    llvm::StringRef P = (*Pieces)[Id].Piece;
    bool Space = P.startswith("\xE2\x96\x81");
    EXPECT_EQ(L->HasLeadingSpace[Id], Space ? 1 : 0) << P.str();
    EXPECT_EQ(static_cast<size_t>(L->BaseBytes[Id]),
              P.size() - (Space ? 3 : 0))
        << P.str();
  }
}

TEST(TokenizerLuts, LargerModelVocabPadsWithBoundaries) {
  auto L = loadTokenizerLuts(test::repoPath(kSampleModel), 1100);
  HYBC_ASSERT_EXPECTED(L);
  ASSERT_EQ(L->size(), 1100u);
  EXPECT_EQ(L->IsBoundary[1050], 1);
  EXPECT_EQ(L->BaseBytes[1050], 0);
  EXPECT_EQ(L->HasLeadingSpace[1050], 0);
}

TEST(TokenizerLuts, BuildFromPiecesAndMissingSpace) {
  std::vector<PieceInfo> P = {{"<s>", PieceKind::Control},
                              {"<unk>", PieceKind::Unknown},
                              {"<0x41>", PieceKind::Byte},
                              {"\xE2\x96\x81the", PieceKind::Normal},
                              {"\xC3\xA9t\xC3\xA9", PieceKind::Normal},
                              {"x", PieceKind::Unused}};
  HYBC_EXPECT_ERROR(buildTokenizerLuts(P, 0, "toy.model").takeError(),
                    "toy.model", "#897", "hint:");
  P.push_back({"\xE2\x96\x81", PieceKind::Normal});
  auto L = buildTokenizerLuts(P, 4, "toy.model");
  HYBC_ASSERT_EXPECTED(L);
  EXPECT_EQ(L->size(), 7u);
  EXPECT_EQ(std::vector<int16_t>(L->BaseBytes.begin(), L->BaseBytes.end()),
            (std::vector<int16_t>{0, 0, 1, 3, 5, 0, 0}));
  EXPECT_EQ(std::vector<uint8_t>(L->IsBoundary.begin(), L->IsBoundary.end()),
            (std::vector<uint8_t>{1, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(L->HasLeadingSpace[3], 1);
  EXPECT_EQ(L->SpaceId, 6);
}

TEST(TokenizerLuts, ErrorsNameTheFile) {
  HYBC_EXPECT_ERROR(loadTokenizerLuts("/nonexistent/tok.model", 1024)
                        .takeError(),
                    "/nonexistent/tok.model", "cannot load", "hint:");
  HYBC_ASSERT_OK(checkVocabMatch("a.model", 1024, 1024));
  HYBC_EXPECT_ERROR(checkVocabMatch("a.model", 1024, 8192), "'a.model'",
                    "vocab 1024", "vocab 8192", "hint:");
}

} // namespace
