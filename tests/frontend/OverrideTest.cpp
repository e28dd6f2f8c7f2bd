//===- tests/frontend/OverrideTest.cpp - --set path=value ----------------===//
//
// Every path form of the override scheme, creation of missing sections and
// calls, and the errors (bad paths with "did you mean", bad values, section
// used as a value), all located inside the "--set #N" buffer.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace hybc::test;

namespace {

TEST(Override, SectionFieldsAndNestedSections) {
  LoadResult R = load(spec("", "train { muon { lr = 0.04 } }"),
                      {"train.muon.lr=0.02", "train.seq_len=2048",
                       "train.adam.beta2=0.99", "train.warmdown.iters=10"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Train.Muon.Lr, 0.02);
  EXPECT_EQ(R.S.Train.SeqLen, 2048);
  EXPECT_EQ(R.S.Train.Adam.Beta2, 0.99); // adam section created
  EXPECT_EQ(R.S.Train.WarmdownIters, 10);
}

TEST(Override, ModelSizesRecomputeDerivedFields) {
  LoadResult R = load(spec(), {"model.d_model=256"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.DModel, 256);
  EXPECT_EQ(R.S.Model.Blocks[0].Mamba3.DInner, 512);
  EXPECT_EQ(R.S.Model.Blocks[1].Attn.HeadDim, 32);
  EXPECT_EQ(R.S.Model.Blocks[0].Mlp.Hidden, 768);
}

TEST(Override, LayersAndBlockArguments) {
  LoadResult R =
      load(spec(), {"model.layers=\"MMAM\"", "model.M.mamba3.d_state=32",
                    "model.A.attention.v_act=silu",
                    "model.M.mlp.act=leaky_relu2(0.25)"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Layers, (std::vector<int>{0, 0, 1, 0}));
  EXPECT_EQ(R.S.Model.Blocks[0].Mamba3.DState, 32);
  EXPECT_EQ(R.S.Model.Blocks[0].Mamba3.NumRopeAngles, 8);
  EXPECT_EQ(R.S.Model.Blocks[1].Attn.VAct, ValueActivation::Silu);
  EXPECT_EQ(R.S.Model.Blocks[0].Mlp.Act, MlpActivation::LeakyRelu2);
  EXPECT_EQ(R.S.Model.Blocks[0].Mlp.Slope, 0.25);
}

TEST(Override, NestedCallArguments) {
  LoadResult R = load(spec(), {"model.M.mlp.act=leaky_relu2(0.5)",
                               "model.M.mlp.act.slope=0.3"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Blocks[0].Mlp.Slope, 0.3);
}

TEST(Override, WholeBlockReplacement) {
  LoadResult R =
      load(spec(), {"model.M=mamba3(d_state=32, headdim=32)+mlp(mult=4)"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  const BlockSpec &M = R.S.Model.Blocks[0];
  EXPECT_EQ(M.Name, "M");
  EXPECT_EQ(M.Mamba3.NHeads, 32);
  EXPECT_EQ(M.Mlp.Hidden, 2048);
  EXPECT_EQ(M.Line, 4u); // The definition keeps its file line.
}

TEST(Override, AddsAnMlpToABlockWithoutOne) {
  LoadResult R = load(spec(), {"model.A=attention()", "model.A.mlp.mult=3"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_TRUE(R.S.Model.Blocks[1].HasMlp);
  EXPECT_EQ(R.S.Model.Blocks[1].Mlp.Hidden, 1536);
}

TEST(Override, CallValuedFieldsGetTheirDefaultCall) {
  LoadResult R =
      load(spec(), {"model.skips.weights=virtual", "export.clip.k=11.5",
                    "export.calibration.seqs=8", "export.compressor.preset=5"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_TRUE(R.S.Model.Skips.Enabled);
  EXPECT_EQ(R.S.Model.Skips.Weights, SkipWeightsRule::Virtual);
  EXPECT_EQ(R.S.Export.SdClipK, 11.5);
  EXPECT_EQ(R.S.Export.CalibSeqs, 8);
  EXPECT_EQ(R.S.Export.LzmaPreset, 5);
}

TEST(Override, PositionalArgumentsAreReplacedByName) {
  LoadResult R =
      load(spec("", "export { compressor = lzma(9), clip = sdclip(12, 20) }"),
           {"export.compressor.preset=3", "export.clip.k_embed=14"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Export.LzmaPreset, 3);
  EXPECT_EQ(R.S.Export.SdClipK, 12.0);
  EXPECT_EQ(R.S.Export.SdClipKEmbed, 14.0);
}

TEST(Override, CreatesOptionalSectionsWhichEnablesThem) {
  LoadResult R = load(spec(), {"model.recurrence.layers=1..2",
                               "model.embed.bigram_hash.buckets=1024",
                               "data.train=\"x_*.bin\""});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_TRUE(R.S.Model.Recurrence.Enabled);
  EXPECT_EQ(R.S.Model.Recurrence.Last, 2);
  EXPECT_TRUE(R.S.Model.Embed.BigramHash);
  EXPECT_EQ(R.S.Model.Embed.BigramBuckets, 1024);
  EXPECT_EQ(R.S.Data.TrainGlob, "x_*.bin");
}

TEST(Override, LaterOverridesWin) {
  LoadResult R = load(spec(), {"train.seed=1", "train.seed=2"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Train.Seed, 2u);
}

TEST(Override, UnknownPathsSuggestTheRightName) {
  LoadResult R = load(spec(), {"train.muon.lrr=0.1"});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("--set #1:1:12: error: unknown field 'lrr' in "
                        "'train.muon'; did you mean 'lr'?"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"trian.seq_len=3"});
  EXPECT_NE(R.Diag.find("--set #1:1:1: error: unknown section 'trian'; did "
                        "you mean 'train'?"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"model.M.mamba3.dstate=3"});
  EXPECT_NE(R.Diag.find("--set #1:1:16: error: unknown argument 'dstate' to "
                        "'model.M.mamba3'; did you mean 'd_state'?"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"model.M.mamba4.d_state=3"});
  EXPECT_NE(R.Diag.find("--set #1:1:9: error: unknown block kind 'mamba4'; "
                        "did you mean 'mamba3'?"),
            std::string::npos)
      << R.Diag;
}

TEST(Override, ValueErrorsPointIntoTheOverride) {
  LoadResult R = load(spec(), {"train.seq_len=7", "model.vocab=-1"});
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("--set #2:1:13: error: 'model.vocab' = -1 is out of "
                        "range"),
            std::string::npos)
      << R.Diag;
  EXPECT_NE(R.Diag.find("is not a multiple of seq_len * grad_accum = 56"),
            std::string::npos)
      << R.Diag;
  EXPECT_EQ(R.Summary, "t.hyb: 2 errors");
}

TEST(Override, SyntaxAndShapeErrors) {
  LoadResult R = load(spec(), {"train=3"});
  EXPECT_NE(R.Diag.find("--set #1:1:1: error: 'train' is a section; set one "
                        "of its fields"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"model.vocab.x=3"});
  EXPECT_NE(R.Diag.find("'model.vocab' holds an integer, which has no field "
                        "'x'"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"train.seq_len"});
  EXPECT_NE(R.Diag.find("--set #1:1:14: error: expected '='"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"model.layers=MMAM"});
  EXPECT_NE(R.Diag.find("(hint: quote the pattern: \"MMAM\")"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"train.seed=1+2"});
  EXPECT_NE(R.Diag.find("'+' joins block terms, but 'train.seed' is not a "
                        "block"),
            std::string::npos)
      << R.Diag;
  R = load(spec(), {"train.x=\"unterminated"});
  EXPECT_NE(R.Diag.find("--set #1:1:9: error: unterminated string"),
            std::string::npos)
      << R.Diag;
}

} // namespace
