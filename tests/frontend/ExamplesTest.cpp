//===- tests/frontend/ExamplesTest.cpp - The shipped examples ------------===//
//
// Every example loads without diagnostics, carries the values of the run it
// reproduces, and its dimensions give the published parameter counts (a
// test-local count over the resolved Spec: PG naming, no IR).
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace hybc::test;

namespace {

Spec loadExample(const std::string &Name) {
  std::string Diag;
  llvm::raw_string_ostream OS(Diag);
  llvm::Expected<Spec> S =
      loadSpec(std::string(HYBC_EXAMPLES_DIR) + "/" + Name, {}, OS);
  EXPECT_TRUE(static_cast<bool>(S)) << OS.str();
  EXPECT_TRUE(OS.str().empty()) << OS.str();
  if (!S) {
    llvm::consumeError(S.takeError());
    return Spec();
  }
  return std::move(*S);
}

int64_t blockParams(const BlockSpec &B, int64_t D) {
  int64_t N = 2 * D + D; // resid_mix (2, D) + mixer scale
  if (B.HasMlp)
    N += D + 2 * D * B.Mlp.Hidden; // mlp_scale, fc, proj
  if (B.Kind == BlockKind::Attention) {
    const AttentionSpec &A = B.Attn;
    int64_t KV = A.KVHeads * A.HeadDim;
    return N + 2 * D * D + 2 * D * KV + A.Heads; // q, proj, k, v, q_gain
  }
  const Mamba3Spec &M = B.Mamba3;
  N += D * M.DProj + M.DInner * D;                          // in_proj, out_proj
  N += M.NHeads + 2 * M.NHeads * M.DState;                  // dt_bias, B/C bias
  N += 2 * M.NGroups * M.DState + (M.DSkip ? M.NHeads : 0); // norms, D
  return N;
}

/// Skip weights without recurrence: min(encoder, decoder) of the stack.
int64_t paramCount(const Spec &S) {
  const ModelSpec &M = S.Model;
  int64_t D = M.DModel, N = M.Vocab * D;
  for (int L : M.Layers)
    N += blockParams(M.Blocks[L], D);
  int64_t Layers = static_cast<int64_t>(M.Layers.size());
  if (M.Skips.Enabled)
    N += std::min(Layers / 2, Layers - Layers / 2) * D;
  if (M.Embed.SmearGate)
    N += D;
  if (M.Embed.BigramHash)
    N += M.Embed.BigramBuckets * M.Embed.BigramDim + M.Embed.BigramDim * D;
  return N;
}

TEST(Examples, BaselineGpt) {
  Spec S = loadExample("baseline_gpt.hyb");
  const ModelSpec &M = S.Model;
  EXPECT_EQ(M.Vocab, 1024);
  ASSERT_EQ(M.Layers.size(), 9u);
  const BlockSpec &A = M.Blocks[0];
  EXPECT_EQ(A.Kind, BlockKind::Attention);
  EXPECT_EQ(A.Attn.HeadDim, 64);
  EXPECT_EQ(A.Attn.RopeDims, 64);
  EXPECT_EQ(A.Mlp.Act, MlpActivation::Relu2);
  EXPECT_EQ(A.Mlp.Hidden, 1024);
  EXPECT_EQ(M.Skips.Overflow, SkipOverflow::Stack);
  EXPECT_EQ(M.Init, InitKind::Default);
  EXPECT_EQ(S.Train.Iterations, 20000);
  EXPECT_EQ(S.Train.WallclockSeconds, 600.0);
  EXPECT_EQ(S.Train.Muon.Lr, 0.04);
  EXPECT_EQ(S.Train.Adam.EmbedLr, 0.05);
  EXPECT_EQ(S.Data.Tokenizer, "data/sample/fineweb_1024_bpe.model");
  EXPECT_EQ(paramCount(S), 17059912);
}

TEST(Examples, Pr1644Mamba3Hybrid) {
  Spec S = loadExample("pr1644_mamba3_hybrid.hyb");
  const ModelSpec &M = S.Model;
  EXPECT_EQ(M.Vocab, 8192);
  EXPECT_EQ(M.Layers, (std::vector<int>{0, 0, 1, 0, 0, 1, 0}));
  EXPECT_EQ(M.Blocks[0].Mamba3.DProj, 2240);
  EXPECT_EQ(M.Blocks[0].Mlp.Act, MlpActivation::LeakyRelu2);
  EXPECT_EQ(M.Blocks[1].Attn.VAct, ValueActivation::Silu);
  EXPECT_EQ(M.Skips.Weights, SkipWeightsRule::Virtual);
  EXPECT_EQ(M.Skips.Overflow, SkipOverflow::Drop);
  EXPECT_EQ(M.Init, InitKind::Orthogonal);
  EXPECT_FALSE(M.Recurrence.Enabled);
  EXPECT_EQ(S.Train.SeqLen, 4096);
  EXPECT_EQ(S.Train.BatchTokens, 1048576);
  EXPECT_TRUE(S.Train.Muon.EqR);
  EXPECT_EQ(S.Train.Muon.WeightDecay, 0.04);
  EXPECT_EQ(S.Train.Adam.ScalarLr, 0.02);
  EXPECT_EQ(S.Export.Calib, CalibSource::SelfGen);
  EXPECT_EQ(S.Export.Compress, Compressor::Lzma);
  EXPECT_EQ(paramCount(S), 25159984);
}

TEST(Examples, NemotronHRecur) {
  Spec S = loadExample("nemotron_h_recur.hyb");
  const ModelSpec &M = S.Model;
  EXPECT_EQ(M.Layers.size(), 8u);
  EXPECT_EQ(M.Blocks[M.Layers[4]].Kind, BlockKind::Attention);
  EXPECT_TRUE(M.Embed.SmearGate);
  EXPECT_TRUE(M.Embed.BigramHash);
  EXPECT_TRUE(M.Recurrence.Enabled);
  EXPECT_EQ(M.Recurrence.First, 3);
  EXPECT_EQ(M.Recurrence.Last, 4);
  EXPECT_EQ(M.Recurrence.Repeats, 2);
  EXPECT_EQ(M.Recurrence.Start, 0.35);
  EXPECT_EQ(M.Skips.Overflow, SkipOverflow::Clamp);
  EXPECT_EQ(S.Train.Iterations, 1000);
  EXPECT_EQ(S.Train.WallclockSeconds, 0.0);
  EXPECT_EQ(S.Train.WarmdownIters, 3500);
  EXPECT_EQ(S.Export.EmbedBits, 16);
  EXPECT_EQ(paramCount(S), 26216040);
}

TEST(Examples, TinyIsSmall) {
  Spec S = loadExample("tiny.hyb");
  EXPECT_EQ(S.Model.DModel, 128);
  EXPECT_EQ(S.Train.GradAccum, 1);
  EXPECT_EQ(S.Train.WallclockSeconds, 0.0);
  EXPECT_LT(paramCount(S), 1000000);
  EXPECT_EQ(S.Model.Blocks[0].Mamba3.NHeads, 8);
}

TEST(Examples, MissingFileIsNamed) {
  std::string Diag;
  llvm::raw_string_ostream OS(Diag);
  llvm::Expected<Spec> S = loadSpec("/nonexistent/x.hyb", {}, OS);
  ASSERT_FALSE(static_cast<bool>(S));
  std::string Msg = llvm::toString(S.takeError());
  EXPECT_NE(Msg.find("cannot read spec '/nonexistent/x.hyb'"),
            std::string::npos)
      << Msg;
  EXPECT_NE(Msg.find("(hint: "), std::string::npos) << Msg;
  EXPECT_TRUE(OS.str().empty()) << OS.str(); // The caller prints the Error.
}

TEST(Examples, OversizedInputIsRejected) {
  LoadResult R = load(std::string(kMaxSpecBytes + 1, ' '));
  EXPECT_FALSE(R.Ok);
  EXPECT_EQ(R.Summary.find("t.hyb: spec is 1048577 bytes; the limit is "
                           "1048576"),
            0u)
      << R.Summary;
  EXPECT_TRUE(R.Diag.empty());
}

} // namespace
