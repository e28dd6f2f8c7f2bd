//===- tests/data_lib/BpbTest.cpp - val_bpb and eval window tests ---------===//
//
/// \file
/// Byte counting on a toy tokenizer and on the shipped val prefix (exact
/// challenge totals), metric arithmetic, and the window planners' coverage:
/// standard windows tile the targets, sliding windows score every target
/// exactly once.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Bpb.h"
#include "runtime/data/ValSet.h"
#include "TestUtil.h"

#include <cmath>

using namespace hybc;
using namespace hybc::data;

namespace {

/// Toy tokenizer: 0 <s> (control), 1 "▁" , 2 "▁ab", 3 "cd", 4 <0x41>.
TokenizerLuts toyLuts() {
  std::vector<PieceInfo> P = {{"<s>", PieceKind::Control},
                              {"\xE2\x96\x81", PieceKind::Normal},
                              {"\xE2\x96\x81" "ab", PieceKind::Normal},
                              {"cd", PieceKind::Normal},
                              {"<0x41>", PieceKind::Byte}};
  return llvm::cantFail(buildTokenizerLuts(P, 5, "toy"));
}

TEST(Bpb, ToyByteCountsAndMetric) {
  TokenizerLuts L = toyLuts();
  EXPECT_EQ(targetBytes(0, 2, L), 2u); // "▁ab" after BOS: no space byte
  EXPECT_EQ(targetBytes(3, 2, L), 3u); // after "cd": space counted
  EXPECT_EQ(targetBytes(2, 1, L), 1u); // "▁" alone: 0 + space
  EXPECT_EQ(targetBytes(2, 0, L), 0u); // BOS target: 0 bytes
  EXPECT_EQ(targetBytes(0, 4, L), 1u); // byte piece
  std::vector<uint16_t> Toks = {0, 2, 3, 2, 1, 4, 0, 2};
  // Targets 2,3,2,1,4,0,2 -> 2,2,3,1,1,0,2 bytes.
  EXPECT_EQ(countTargetBytes(Toks, 1, Toks.size(), L), 11u);
  EXPECT_EQ(countTargetBytes(Toks, 3, 5, L), 4u);

  BpbTotals A, B;
  A.add(3.5, 4, 8);
  B.add(2.0, 3, 3);
  A.merge(B);
  EXPECT_DOUBLE_EQ(A.valLoss(), 5.5 / 7);
  EXPECT_DOUBLE_EQ(A.valBpb(), 5.5 / (std::log(2.0) * 11));
  // val_bpb == (L/T)/ln2 * (T/B), the reference formula.
  EXPECT_NEAR(A.valBpb(), (A.valLoss() / std::log(2.0)) * (7.0 / 11.0),
              1e-15);
  BpbTotals C = BpbTotals::fromArray(A.asArray());
  EXPECT_EQ(C.NllSum, A.NllSum);
  EXPECT_EQ(C.Bytes, 11.0);
  EXPECT_TRUE(std::isnan(BpbTotals().valBpb()));
}

class SampleVal : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto L = loadTokenizerLuts(
        test::repoPath("data/sample/fineweb_1024_bpe.model"), 1024);
    ASSERT_TRUE(static_cast<bool>(L)) << llvm::toString(L.takeError());
    Luts = new TokenizerLuts(std::move(*L));
    auto V = loadValSet(test::repoPath("data/sample/fineweb_val_*.bin"),
                        1024);
    ASSERT_TRUE(static_cast<bool>(V)) << llvm::toString(V.takeError());
    Val = new ValSet(std::move(*V));
  }
  static void TearDownTestSuite() {
    delete Luts;
    delete Val;
  }
  static TokenizerLuts *Luts;
  static ValSet *Val;
};
TokenizerLuts *SampleVal::Luts = nullptr;
ValSet *SampleVal::Val = nullptr;

TEST_F(SampleVal, ExactByteTotals) {
  ASSERT_TRUE(Luts && Val);
  EXPECT_EQ(countTargetBytes(Val->Tokens, 1, Val->Tokens.size(), *Luts),
            2502627u);
  auto Raw = loadValSet(test::repoPath("data/sample/fineweb_val_*.bin"), 1);
  HYBC_ASSERT_EXPECTED(Raw);
  EXPECT_EQ(Raw->numTargets(), 1040297u);
  EXPECT_EQ(countTargetBytes(Raw->Tokens, 1, Raw->Tokens.size(), *Luts),
            2504867u);
}

TEST_F(SampleVal, WindowsReproduceTheTotal) {
  ASSERT_TRUE(Luts && Val);
  for (unsigned World : {1u, 3u, 8u}) {
    uint64_t Std = 0, Slide = 0;
    for (unsigned Rank = 0; Rank < World; ++Rank) {
      llvm::SmallVector<EvalWindow, 0> W;
      HYBC_ASSERT_OK(planStandardWindows(Val->numTargets(), 1024, Rank, World,
                                         W));
      for (const EvalWindow &Win : W)
        Std += countWindowBytes(Val->Tokens, Win, *Luts);
      HYBC_ASSERT_OK(
          planSlidingWindows(Val->numTargets(), 1024, 64, Rank, World, W));
      for (const EvalWindow &Win : W)
        Slide += countWindowBytes(Val->Tokens, Win, *Luts);
    }
    EXPECT_EQ(Std, 2502627u) << World;
    EXPECT_EQ(Slide, 2502627u) << World;
  }
}

/// Counts how often each target is scored by the windows of all ranks.
std::vector<unsigned> scoreCounts(uint64_t N, unsigned L, unsigned Stride,
                                  unsigned World, bool Sliding) {
  std::vector<unsigned> Count(N, 0);
  for (unsigned Rank = 0; Rank < World; ++Rank) {
    llvm::SmallVector<EvalWindow, 0> W;
    llvm::Error E = Sliding ? planSlidingWindows(N, L, Stride, Rank, World, W)
                            : planStandardWindows(N, L, Rank, World, W);
    EXPECT_FALSE(llvm::errorToBool(std::move(E)));
    for (const EvalWindow &Win : W) {
      EXPECT_LE(Win.Len, L);
      EXPECT_LE(Win.Start + Win.Len, N) << "window reads past the targets";
      EXPECT_LT(Win.ScoreFrom, Win.Len);
      if (Win.Start > 0) {
        EXPECT_EQ(Win.ScoreFrom, L - Stride) << "context must be L - stride";
      }
      for (uint64_t J = Win.ScoreFrom; J < Win.Len; ++J)
        ++Count[Win.Start + J];
    }
  }
  return Count;
}

TEST(EvalWindows, SlidingScoresEveryTargetExactlyOnce) {
  const uint64_t Ns[] = {1, 5, 63, 64, 65, 127, 128, 129, 1000, 1024, 4097};
  const unsigned Ls[] = {1, 16, 64, 128};
  const unsigned Strides[] = {1, 7, 16, 64};
  for (uint64_t N : Ns)
    for (unsigned L : Ls)
      for (unsigned S : Strides) {
        if (S > L)
          continue;
        for (unsigned World : {1u, 2u, 5u}) {
          std::vector<unsigned> C = scoreCounts(N, L, S, World, true);
          for (uint64_t I = 0; I < N; ++I)
            ASSERT_EQ(C[I], 1u) << "N=" << N << " L=" << L << " stride=" << S
                                << " world=" << World << " target " << I;
        }
      }
}

TEST(EvalWindows, SlidingMatchesReferenceStarts) {
  // PG:kc: starts range(0, N, stride) kept while start + (L - stride) < N.
  llvm::SmallVector<EvalWindow, 0> W;
  HYBC_ASSERT_OK(planSlidingWindows(300, 128, 64, 0, 1, W));
  ASSERT_EQ(W.size(), 4u); // 0, 64, 128, 192 (256 + 64 >= 300)
  EXPECT_EQ(W[0], (EvalWindow{0, 128, 0}));
  EXPECT_EQ(W[1], (EvalWindow{64, 128, 64}));
  EXPECT_EQ(W[3], (EvalWindow{192, 108, 64}));
  HYBC_EXPECT_ERROR(planSlidingWindows(300, 128, 0, 0, 1, W), "stride 0");
  HYBC_EXPECT_ERROR(planSlidingWindows(300, 128, 64, 1, 1, W), "rank 1");
}

TEST(EvalWindows, StandardTilesAndSplitsByRank) {
  std::vector<unsigned> C = scoreCounts(10 * 16, 16, 16, 3, false);
  for (unsigned X : C)
    EXPECT_EQ(X, 1u);
  llvm::SmallVector<EvalWindow, 0> W;
  HYBC_ASSERT_OK(planStandardWindows(10 * 16, 16, 1, 3, W));
  ASSERT_EQ(W.size(), 3u); // seqs [10/3, 20/3) = [3, 6)
  EXPECT_EQ(W[0], (EvalWindow{48, 16, 0}));
  EXPECT_EQ(W[2], (EvalWindow{80, 16, 0}));
}

} // namespace
