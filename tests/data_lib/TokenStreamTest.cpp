//===- tests/data_lib/TokenStreamTest.cpp - Training stream tests ---------===//
//
/// \file
/// TokenStream wrap-around, DistributedLoader per-rank slicing against hand
/// computed spans, and checkpoint state save/restore.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Shard.h"
#include "runtime/data/TokenStream.h"
#include "TestUtil.h"

using namespace hybc;
using namespace hybc::data;

namespace {

/// Three train shards: [100..104], [200..206], [300..302] (15 tokens/cycle).
class StreamFixture : public ::testing::Test {
protected:
  void SetUp() override {
    const std::vector<std::vector<uint16_t>> Shards = {
        {100, 101, 102, 103, 104},
        {200, 201, 202, 203, 204, 205, 206},
        {300, 301, 302}};
    for (size_t I = 0; I < Shards.size(); ++I) {
      std::string Name = "fineweb_train_00000" + std::to_string(I) + ".bin";
      ASSERT_FALSE(llvm::errorToBool(writeShard(T.path(Name), Shards[I])));
      Cycle.insert(Cycle.end(), Shards[I].begin(), Shards[I].end());
    }
    Pattern = T.path("fineweb_train_*.bin");
  }
  /// Token at global stream offset \p I.
  int32_t at(uint64_t I) const { return Cycle[I % Cycle.size()]; }

  test::TempDir T;
  std::vector<uint16_t> Cycle;
  std::string Pattern;
};

std::vector<uint16_t> vec(llvm::ArrayRef<uint16_t> A) { return A.vec(); }

TEST_F(StreamFixture, TakeCrossesShardsAndWraps) {
  auto S = TokenStream::open(Pattern);
  HYBC_ASSERT_EXPECTED(S);
  llvm::SmallVector<uint16_t, 0> Out;
  HYBC_ASSERT_OK(S->take(4, Out));
  EXPECT_EQ(vec(Out), (std::vector<uint16_t>{100, 101, 102, 103}));
  EXPECT_EQ(S->state().ShardIndex, 0u);
  EXPECT_EQ(S->state().Position, 4u);
  HYBC_ASSERT_OK(S->take(10, Out));
  EXPECT_EQ(vec(Out), (std::vector<uint16_t>{104, 200, 201, 202, 203, 204,
                                             205, 206, 300, 301}));
  HYBC_ASSERT_OK(S->take(6, Out));
  EXPECT_EQ(vec(Out), (std::vector<uint16_t>{302, 100, 101, 102, 103, 104}));
  // The move to the next shard is lazy: the position may equal its size.
  EXPECT_EQ(S->state().ShardIndex, 0u);
  EXPECT_EQ(S->state().Position, 5u);
  HYBC_ASSERT_OK(S->take(47, Out));
  for (size_t I = 0; I < Out.size(); ++I)
    EXPECT_EQ(Out[I], at(20 + I));
}

TEST_F(StreamFixture, LoaderSlicesPerRankByHand) {
  // World 2, global 8, accum 1, seq_len 2: local 4, span 5, chunk 10/step.
  auto R0 = DistributedLoader::open(Pattern, 0, 2);
  auto R1 = DistributedLoader::open(Pattern, 1, 2);
  HYBC_ASSERT_EXPECTED(R0);
  HYBC_ASSERT_EXPECTED(R1);
  llvm::SmallVector<int32_t, 0> X, Y;
  using V = std::vector<int32_t>;
  HYBC_ASSERT_OK(R0->nextBatch(8, 2, 1, X, Y));
  EXPECT_EQ(V(X.begin(), X.end()), (V{100, 101, 102, 103}));
  EXPECT_EQ(V(Y.begin(), Y.end()), (V{101, 102, 103, 104}));
  HYBC_ASSERT_OK(R1->nextBatch(8, 2, 1, X, Y));
  EXPECT_EQ(V(X.begin(), X.end()), (V{200, 201, 202, 203}));
  EXPECT_EQ(V(Y.begin(), Y.end()), (V{201, 202, 203, 204}));
  HYBC_ASSERT_OK(R0->nextBatch(8, 2, 1, X, Y));
  EXPECT_EQ(V(X.begin(), X.end()), (V{205, 206, 300, 301}));
  EXPECT_EQ(V(Y.begin(), Y.end()), (V{206, 300, 301, 302}));
  HYBC_ASSERT_OK(R1->nextBatch(8, 2, 1, X, Y));
  EXPECT_EQ(V(X.begin(), X.end()), (V{100, 101, 102, 103}));
  EXPECT_EQ(V(Y.begin(), Y.end()), (V{101, 102, 103, 104}));
  EXPECT_EQ(R0->state(), R1->state());
}

TEST_F(StreamFixture, LoaderMatchesFormulaOverManySteps) {
  const unsigned World = 3, Accum = 2, SeqLen = 2;
  const uint64_t Global = 24, Local = Global / (World * Accum);
  for (unsigned Rank = 0; Rank < World; ++Rank) {
    auto L = DistributedLoader::open(Pattern, Rank, World);
    HYBC_ASSERT_EXPECTED(L);
    llvm::SmallVector<int32_t, 0> X, Y;
    for (uint64_t Step = 0; Step < 20; ++Step) {
      HYBC_ASSERT_OK(L->nextBatch(Global, SeqLen, Accum, X, Y));
      ASSERT_EQ(X.size(), Local);
      uint64_t Base = Step * World * (Local + 1) + Rank * (Local + 1);
      for (uint64_t I = 0; I < Local; ++I) {
        EXPECT_EQ(X[I], at(Base + I));
        EXPECT_EQ(Y[I], at(Base + I + 1));
      }
    }
  }
}

TEST_F(StreamFixture, StateSaveRestoreContinuesIdentically) {
  auto A = DistributedLoader::open(Pattern, 1, 2);
  HYBC_ASSERT_EXPECTED(A);
  llvm::SmallVector<int32_t, 0> X, Y;
  for (int I = 0; I < 3; ++I)
    HYBC_ASSERT_OK(A->nextBatch(12, 3, 2, X, Y));
  // Through JSON, as a checkpoint stores it.
  std::string Json;
  llvm::raw_string_ostream(Json) << toJSON(A->state());
  auto Parsed = llvm::json::parse(Json);
  HYBC_ASSERT_EXPECTED(Parsed);
  StreamState Saved;
  llvm::json::Path::Root Root;
  ASSERT_TRUE(fromJSON(*Parsed, Saved, Root));
  EXPECT_EQ(Saved, A->state());
  std::vector<int32_t> Expected, Got;
  for (int I = 0; I < 7; ++I) {
    HYBC_ASSERT_OK(A->nextBatch(12, 3, 2, X, Y));
    Expected.insert(Expected.end(), X.begin(), X.end());
    Expected.insert(Expected.end(), Y.begin(), Y.end());
  }
  auto B = DistributedLoader::open(Pattern, 1, 2);
  HYBC_ASSERT_EXPECTED(B);
  HYBC_ASSERT_OK(B->restore(Saved));
  for (int I = 0; I < 7; ++I) {
    HYBC_ASSERT_OK(B->nextBatch(12, 3, 2, X, Y));
    Got.insert(Got.end(), X.begin(), X.end());
    Got.insert(Got.end(), Y.begin(), Y.end());
  }
  EXPECT_EQ(Got, Expected);
  EXPECT_EQ(B->state(), A->state());
}

TEST_F(StreamFixture, RestoreAtShardEndAndBadStates) {
  auto S = TokenStream::open(Pattern);
  HYBC_ASSERT_EXPECTED(S);
  StreamState End{0, 5, 3};
  HYBC_ASSERT_OK(S->restore(End));
  llvm::SmallVector<uint16_t, 0> Out;
  HYBC_ASSERT_OK(S->take(2, Out));
  EXPECT_EQ(vec(Out), (std::vector<uint16_t>{200, 201}));
  HYBC_EXPECT_ERROR(S->restore(StreamState{0, 0, 4}), "4 train shards",
                    "hint:");
  HYBC_EXPECT_ERROR(S->restore(StreamState{1, 8, 3}), "past the end",
                    "fineweb_train_000001.bin");
  HYBC_EXPECT_ERROR(S->restore(StreamState{3, 0, 3}), "shard index 3");
  llvm::json::Path::Root Root;
  StreamState Bad;
  EXPECT_FALSE(fromJSON(llvm::json::Object{{"shard", 1}}, Bad, Root));
  llvm::consumeError(Root.getError());
}

TEST_F(StreamFixture, RefusesValidationShards) {
  ASSERT_FALSE(llvm::errorToBool(
      writeShard(T.path("fineweb_val_000000.bin"), {1, 2, 3})));
  HYBC_EXPECT_ERROR(TokenStream::open(T.path("fineweb_*.bin")).takeError(),
                    "fineweb_val_000000.bin", "never train on val");
}

TEST(Loader, GeometryErrors) {
  auto L = computeLocalTokens(524288, 8, 1, 1024);
  HYBC_ASSERT_EXPECTED(L);
  EXPECT_EQ(*L, 65536u);
  HYBC_EXPECT_ERROR(computeLocalTokens(1000, 2, 1, 64).takeError(),
                    "not a positive multiple of seq_len 64", "hint:");
  HYBC_EXPECT_ERROR(computeLocalTokens(1024, 0, 1, 64).takeError(),
                    "must be positive");
  HYBC_EXPECT_ERROR(
      DistributedLoader::open("/nonexistent/x_*.bin", 2, 2).takeError(),
      "rank 2");
  HYBC_EXPECT_ERROR(
      DistributedLoader::open("/nonexistent/x_*.bin", 0, 1).takeError(),
      "/nonexistent/x_*.bin");
}

} // namespace
