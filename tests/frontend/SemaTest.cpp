//===- tests/frontend/SemaTest.cpp - Sema defaults and derived sizes -----===//
//
// Defaults, derived fields, layer patterns, recurrence, skips and the
// context-dependent embed_lr default. Range and type errors are in
// SemaErrorsTest.cpp.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include "frontend/SpecEqual.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace hybc::test;

namespace {

TEST(Sema, MinimalSpecGetsEveryDefault) {
  LoadResult R = load(spec());
  ASSERT_TRUE(R.Ok) << R.Diag;
  Spec Want;
  // Only the model section was written; everything else must be default.
  EXPECT_TRUE(specDifferences(R.S, Want).size() > 0);
  std::vector<std::string> D = specDifferences(R.S, Want);
  for (const std::string &F : D)
    EXPECT_EQ(F.rfind("model.", 0), 0u) << F;
  EXPECT_EQ(R.S.Train.Muon.Lr, 0.04);
  EXPECT_EQ(R.S.Train.Adam.EmbedLr, 0.05);
  EXPECT_EQ(R.S.Export.Percentiles, Want.Export.Percentiles);
  EXPECT_EQ(R.S.Path, "t.hyb");
  EXPECT_TRUE(R.Diag.empty()) << R.Diag;
}

TEST(Sema, Mamba3DerivedSizes) {
  LoadResult R = load(spec());
  ASSERT_TRUE(R.Ok) << R.Diag;
  const BlockSpec &M = R.S.Model.Blocks[0];
  EXPECT_EQ(M.Kind, BlockKind::Mamba3);
  EXPECT_EQ(M.Mamba3.DInner, 1024);
  EXPECT_EQ(M.Mamba3.NHeads, 16);
  EXPECT_EQ(M.Mamba3.NumRopeAngles, 16);
  EXPECT_EQ(M.Mamba3.DProj, 2240);
  EXPECT_EQ(M.Mlp.Hidden, 1536);
  EXPECT_EQ(M.Line, 4u);
}

TEST(Sema, Mamba3RopeAnglesRounding) {
  // split = int(62 * 0.5) = 31 -> 30 -> 15 angles.
  LoadResult R = load(spec("block N = mamba3(d_state = 62, headdim = 32)"
                           "\n layers2 = 0"),
                      {}, "x.hyb");
  EXPECT_FALSE(R.Ok); // layers2 is unknown: check the message too.
  EXPECT_NE(R.Diag.find("unknown field 'layers2' in 'model'; did you mean "
                        "'layers'?"),
            std::string::npos)
      << R.Diag;
  R = load(
      spec("block N = mamba3(d_state = 62, headdim = 32, rope_fraction = 1.0,"
           " expand = 1, ngroups = 2)",
           ""),
      {"model.layers=\"MAN\""});
  ASSERT_TRUE(R.Ok) << R.Diag;
  const Mamba3Spec &N = R.S.Model.Blocks[2].Mamba3;
  EXPECT_EQ(N.DInner, 512);
  EXPECT_EQ(N.NHeads, 16);
  EXPECT_EQ(N.NumRopeAngles, 31);
  EXPECT_EQ(N.DProj, 2 * 512 + 2 * 2 * 62 + 3 * 16 + 31);
  R = load(spec(), {"model.M.mamba3.d_state=62"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Blocks[0].Mamba3.NumRopeAngles, 15);
}

TEST(Sema, AttentionDerivedSizes) {
  LoadResult R = load(spec());
  ASSERT_TRUE(R.Ok) << R.Diag;
  const AttentionSpec &A = R.S.Model.Blocks[1].Attn;
  EXPECT_EQ(A.HeadDim, 64);
  EXPECT_EQ(A.RopeDims, 64);
  EXPECT_EQ(R.S.Model.Blocks[1].Mlp.Hidden, 1024);
  R = load(spec(), {"model.A.attention.rope_fraction=0.3"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Blocks[1].Attn.RopeDims, 18); // int(19.2) made even
  R = load(spec(), {"model.A.attention.rope_fraction=0.01"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Blocks[1].Attn.RopeDims, 2); // at least one pair
}

TEST(Sema, MlpHiddenTruncatesLikePythonInt) {
  LoadResult R = load(spec(), {"model.A.mlp.mult=1.1"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Blocks[1].Mlp.Hidden, 563); // int(563.2)
}

TEST(Sema, BlockWithoutMlp) {
  LoadResult R = load(spec(), {"model.A=attention(heads = 4, kv_heads = 1)"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_FALSE(R.S.Model.Blocks[1].HasMlp);
  EXPECT_EQ(R.S.Model.Blocks[1].Mlp.Hidden, 0);
  EXPECT_EQ(R.S.Model.Blocks[1].Attn.HeadDim, 128);
}

TEST(Sema, LayerPatternStringAndList) {
  LoadResult R = load(spec());
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Layers, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(R.S.Model.LayersLine, 6u);
  R = load(spec(), {"model.layers=[A, A, M, A]"});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Layers, (std::vector<int>{1, 1, 0, 1}));
}

TEST(Sema, MultiCharBlockNamesNeedTheListForm) {
  std::string Text = "model { vocab = 8, d_model = 16\n"
                     " block Mam = mamba3(d_state = 4, headdim = 8)\n"
                     " block Att = attention(heads = 2, kv_heads = 1)\n"
                     " layers = [Mam, Att, Mam] }";
  LoadResult R = load(Text);
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Layers, (std::vector<int>{0, 1, 0}));
}

TEST(Sema, RecurrenceAndSkips) {
  LoadResult R =
      load(spec("recurrence { layers = 1..2, repeats = 3, start = 0.5, "
                "unit = steps }\n skips = unet(weights = virtual, "
                "overflow = drop)"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  const RecurrenceSpec &Rec = R.S.Model.Recurrence;
  EXPECT_TRUE(Rec.Enabled);
  EXPECT_EQ(Rec.First, 1);
  EXPECT_EQ(Rec.Last, 2);
  EXPECT_EQ(Rec.Repeats, 3);
  EXPECT_EQ(Rec.Start, 0.5);
  EXPECT_EQ(Rec.Line, 7u);
  EXPECT_EQ(R.S.Model.Skips.Weights, SkipWeightsRule::Virtual);
  EXPECT_EQ(R.S.Model.Skips.Overflow, SkipOverflow::Drop);
  R = load(spec("recurrence { layers = 2 }\n skips = none"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Model.Recurrence.First, 2);
  EXPECT_EQ(R.S.Model.Recurrence.Last, 2);
  EXPECT_FALSE(R.S.Model.Skips.Enabled);
  R = load(spec("recurrence { enabled = false, layers = 7..9 }"));
  ASSERT_TRUE(R.Ok) << R.Diag; // Bounds are checked only when enabled.
  EXPECT_FALSE(R.S.Model.Recurrence.Enabled);
  R = load(spec("recurrence { enabled = false }"));
  ASSERT_TRUE(R.Ok) << R.Diag; // layers is required only when enabled.
}

TEST(Sema, SkipOverflowSpellings) {
  for (auto [Name, Want] :
       {std::pair<const char *, SkipOverflow>{"stack", SkipOverflow::Stack},
        {"drop", SkipOverflow::Drop},
        {"clamp", SkipOverflow::Clamp}}) {
    LoadResult R =
        load(spec(std::string("skips = unet(overflow = ") + Name + ")"));
    ASSERT_TRUE(R.Ok) << R.Diag;
    EXPECT_EQ(R.S.Model.Skips.Overflow, Want) << Name;
  }
  EXPECT_EQ(load(spec()).S.Model.Skips.Overflow, SkipOverflow::Stack);
}

TEST(Sema, EmbedAndBigram) {
  LoadResult R =
      load(spec("embed { tied = false, smear_gate = true, smear_init = 2,"
                " bigram_hash { buckets = 2048, dim = 64 } }"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  const EmbedSpec &E = R.S.Model.Embed;
  EXPECT_FALSE(E.Tied);
  EXPECT_TRUE(E.SmearGate);
  EXPECT_EQ(E.SmearInit, 2.0);
  EXPECT_TRUE(E.BigramHash);
  EXPECT_EQ(E.BigramBuckets, 2048);
  EXPECT_EQ(E.BigramDim, 64);
  // Untied embeddings train with EMBED_LR 0.6 unless set explicitly.
  EXPECT_EQ(R.S.Train.Adam.EmbedLr, 0.6);
  R = load(spec("embed { tied = false }", "train { adam { embed_lr = 0.3 } }"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Train.Adam.EmbedLr, 0.3);
}

TEST(Sema, ExportForms) {
  LoadResult R = load(spec("", "export { clip = percentile([0.99, 1]),"
                               " calibration = selfgen(16, temp = 0.5),"
                               " compressor = zlib, embed_bits = 16 }"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Export.Clip, ClipMethod::Percentile);
  EXPECT_EQ(R.S.Export.Percentiles, (std::vector<double>{0.99, 1.0}));
  EXPECT_EQ(R.S.Export.Calib, CalibSource::SelfGen);
  EXPECT_EQ(R.S.Export.CalibSeqs, 16);
  EXPECT_EQ(R.S.Export.CalibTemp, 0.5);
  EXPECT_EQ(R.S.Export.Compress, Compressor::Zlib);
  EXPECT_EQ(R.S.Export.EmbedBits, 16);
  R = load(spec(
      "", "export { clip = sdclip(11.5, 14), compressor = lzma(preset = 6) }"));
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Export.SdClipK, 11.5);
  EXPECT_EQ(R.S.Export.SdClipKEmbed, 14.0);
  EXPECT_EQ(R.S.Export.LzmaPreset, 6);
}

TEST(Sema, UnusedBlockIsAWarningNotAnError) {
  LoadResult R = load(spec(), {"model.layers=\"AA\""});
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_NE(R.Diag.find("t.hyb:4:9: warning: block 'M' is defined but no "
                        "layer uses it"),
            std::string::npos)
      << R.Diag;
}

TEST(Sema, StatementsSeparatedByCommasOnOneLine) {
  LoadResult R =
      load("model { vocab = 64, d_model = 32, block A = attention("
           "heads = 2, kv_heads = 2) + mlp(), layers = \"AA\" },"
           " train { seq_len = 16, batch_tokens = 128, grad_accum = 2 }");
  ASSERT_TRUE(R.Ok) << R.Diag;
  EXPECT_EQ(R.S.Train.SeqLen, 16);
  EXPECT_EQ(R.S.Model.Blocks[0].Attn.HeadDim, 16);
}

} // namespace
