//===- tests/frontend/SemaErrorsTest.cpp - One test per diagnostic -------===//
//
// Every range, type and consistency error of sema, with its position. Text
// is spliced into the minimal spec of FrontendTestUtil.h: ModelExtra lands
// on line 7 and the trailing sections start on line 9.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace hybc::test;

namespace {

struct ErrorCase {
  const char *ModelExtra;
  const char *Rest;
  const char *Expect; ///< "LINE:COL: message substring"
};

std::ostream &operator<<(std::ostream &OS, const ErrorCase &C) {
  return OS << C.Expect;
}

class SemaError : public ::testing::TestWithParam<ErrorCase> {};

/// spec() with ModelExtra on line 7; when ModelExtra sets vocab, d_model or
/// layers, the template's own line for that field is blanked.
std::string caseText(const ErrorCase &C) {
  std::string Text = spec(C.ModelExtra, C.Rest);
  for (const char *F : {"vocab =", "d_model =", "layers ="}) {
    if (std::string(C.ModelExtra).rfind(F, 0) != 0)
      continue;
    size_t P = Text.find(std::string("  ") + F);
    Text.replace(P, Text.find('\n', P) - P, "  # replaced");
  }
  return Text;
}

TEST_P(SemaError, ReportsAtPosition) {
  const ErrorCase &C = GetParam();
  LoadResult R = load(caseText(C));
  EXPECT_FALSE(R.Ok);
  std::string Want = std::string("t.hyb:") + C.Expect;
  EXPECT_NE(R.Diag.find(Want), std::string::npos)
      << "want: " << Want << "\ngot:\n"
      << R.Diag;
  EXPECT_EQ(R.Summary, "t.hyb: " + std::to_string(countErrors(R.Diag)) +
                           (countErrors(R.Diag) == 1 ? " error" : " errors"));
}

const ErrorCase kCases[] = {
    // Model sizes.
    {"vocab = 0", "", "7:9: error: 'model.vocab' = 0 is out of range"},
    {"vocab = 70_000", "",
     "7:9: error: 'model.vocab' = 70000 is out of range "
     "(hint: expected 1 <= vocab <= 65536)"},
    {"d_model = -4", "", "7:11: error: 'model.d_model' = -4 is out of range"},
    // Attention.
    {"block B = attention(heads = 7)", "",
     "7:29: error: heads = 7 does not divide d_model = 512"},
    {"block B = attention(heads = 8, kv_heads = 3)", "",
     "7:43: error: kv_heads = 3 does not divide heads = 8"},
    {"block B = attention(heads = 512, kv_heads = 1)", "",
     "7:29: error: head_dim = d_model / heads = 1 must be even"},
    {"block B = attention(rope_fraction = 0)", "",
     "7:37: error: 'model.B.attention.rope_fraction' = 0 is out of range "
     "(hint: expected 0 < rope_fraction <= 1)"},
    {"block B = attention(rope_base = 0)", "",
     "7:33: error: 'model.B.attention.rope_base' = 0 is out of range"},
    {"block B = attention(v_act = gelu)", "",
     "7:29: error: unknown value 'gelu' for 'model.B.attention.v_act'"},
    // Mamba-3.
    {"block B = mamba3(headdim = 48)", "",
     "7:28: error: headdim = 48 does not divide d_inner = expand * d_model = "
     "1024"},
    {"block B = mamba3(ngroups = 3)", "",
     "7:28: error: ngroups = 3 does not divide nheads = d_inner / headdim = "
     "16"},
    {"block B = mamba3(d_state = 63)", "",
     "7:28: error: d_state = 63 must be even"},
    {"block B = mamba3(rope_fraction = 1.5)", "",
     "7:34: error: 'model.B.mamba3.rope_fraction' = 1.5 is out of range"},
    {"block B = mamba3(d_state = 2, rope_fraction = 0.5)", "",
     "7:47: error: d_state * rope_fraction gives no rotary angle pair"},
    {"block B = mamba3(chunk = 0)", "",
     "7:26: error: 'model.B.mamba3.chunk' = 0 is out of range"},
    {"block B = mamba3(dt_min = 0.5, dt_max = 0.1)", "",
     "7:27: error: dt_min = 0.5 is larger than dt_max = 0.1"},
    {"block B = mamba3(a_act = relu)", "",
     "7:26: error: unknown value 'relu' for 'model.B.mamba3.a_act'"},
    {"block B = mamba3(dstate = 64)", "",
     "7:18: error: unknown argument 'dstate' to 'model.B.mamba3'; did you "
     "mean 'd_state'?"},
    {"block B = mamba3(64)", "",
     "7:18: error: too many positional arguments to 'mamba3'"},
    // Blocks.
    {"block B = mamba4(d_state = 64)", "",
     "7:11: error: unknown block kind 'mamba4'; did you mean 'mamba3'?"},
    {"block B = mamba3() + attention()", "",
     "7:22: error: block 'B' has two mixers ('mamba3' and 'attention')"},
    {"block B = mlp()", "", "7:7: error: block 'B' has no mixer"},
    {"block B = mamba3() + mlp() + mlp()", "",
     "7:30: error: block 'B' has two mlps"},
    {"block M = attention()", "", "7:7: error: duplicate block name 'M'"},
    {"block init = attention()", "",
     "7:7: error: block name 'init' clashes with the model field"},
    {"block B = 3", "",
     "7:11: error: expected a block kind such as mamba3(...), got an integer"},
    {"block B = mamba3() + mlp(mult = 0)", "",
     "7:33: error: 'model.B.mlp.mult' = 0 is out of range"},
    {"block B = mamba3() + mlp(act = gelu)", "",
     "7:32: error: wrong type for 'model.B.mlp.act': expected relu2 or "
     "leaky_relu2(slope), got a name"},
    {"block B = mamba3() + mlp(act = leaky_relu2(2))", "",
     "7:44: error: 'model.B.mlp.act.slope' = 2 is out of range"},
    // Layers, recurrence, skips.
    {"layers = \"MAX\"", "",
     "7:13: error: layer 2 uses 'X', which is not a defined block (hint: "
     "defined blocks: 'M', 'A')"},
    {"layers = \"\"", "", "7:10: error: 'model.layers' has 0 layers"},
    {"layers = MAM", "",
     "7:10: error: wrong type for 'model.layers': expected a string"},
    {"recurrence { layers = 2..5 }", "",
     "7:23: error: recurrence layers 2..5 are outside the 3 physical layers"},
    {"recurrence { layers = 2..1 }", "",
     "7:23: error: recurrence layers 2..1 run backwards"},
    {"recurrence { layers = 0..1, repeats = 0 }", "",
     "7:39: error: 'model.recurrence.repeats' = 0 is out of range"},
    {"recurrence { layers = 0..1, start = 1.5 }", "",
     "7:37: error: 'model.recurrence.start' = 1.5 is out of range (hint: "
     "expected 0 <= start <= 1)"},
    {"recurrence { repeats = 2 }", "",
     "7:1: error: missing required field 'model.recurrence.layers'"},
    {"recurrence { layers = 0..1, unit = wallclock }",
     "train { wallclock = 0 }",
     "7:1: error: recurrence unit = wallclock needs a wallclock cap"},
    {"skips = unet(weights = physicall)", "",
     "7:24: error: unknown value 'physicall' for 'model.skips.weights'; did "
     "you mean 'physical'?"},
    {"skips = unnet", "",
     "7:9: error: unknown skips kind 'unnet'; did you mean 'unet'?"},
    {"init = ortho", "", "7:8: error: unknown value 'ortho' for 'model.init'"},
    {"logit_softcap = -1", "",
     "7:17: error: 'model.logit_softcap' = -1 is out of range"},
    {"embed { bigram_hash { buckets = 0 } }", "",
     "7:33: error: 'model.embed.bigram_hash.buckets' = 0 is out of range"},
    {"embed { tied = 1 }", "",
     "7:16: error: wrong type for 'model.embed.tied': expected a boolean, got "
     "an integer"},
    {"embed = 3", "",
     "7:1: error: 'model.embed' must be a section, not a value"},
    {"embed { }\n embed { }", "", "8:2: error: duplicate field 'model.embed'"},
    {"vocab = \"big\"", "",
     "7:9: error: wrong type for 'model.vocab': expected an integer, got a "
     "string"},
    // Train.
    {"", "train { muon { lr = -0.1 } }",
     "9:21: error: 'train.muon.lr' = -0.1 is out of range (hint: expected 0 "
     "<= lr)"},
    {"", "train { muon { momentum = 1 } }",
     "9:27: error: 'train.muon.momentum' = 1 is out of range (hint: expected "
     "0 <= momentum < 1)"},
    {"", "train { adam { beta1 = 1.0 } }",
     "9:24: error: 'train.adam.beta1' = 1 is out of range"},
    {"", "train { adam { beta2 = -0.5 } }",
     "9:24: error: 'train.adam.beta2' = -0.5 is out of range"},
    {"", "train { adam { eps = 0 } }",
     "9:22: error: 'train.adam.eps' = 0 is out of range"},
    {"", "train { ema = 1 }", "9:15: error: 'train.ema' = 1 is out of range"},
    {"", "train { seq_len = 1000 }",
     "9:1: error: batch_tokens = 524288 is not a multiple of seq_len * "
     "grad_accum = 8000"},
    {"", "train { seq_len = 1.5 }",
     "9:19: error: wrong type for 'train.seq_len': expected an integer, got a "
     "number (hint: write a whole number without a fraction)"},
    {"", "train { eval_stride = 2048 }",
     "9:23: error: eval_stride = 2048 is larger than the eval window of 1024"},
    {"", "train { warmdown { shape = cosin } }",
     "9:28: error: unknown value 'cosin' for 'train.warmdown.shape'; did you "
     "mean 'cosine'?"},
    {"", "train { muon { lrr = 0.1 } }",
     "9:16: error: unknown field 'lrr' in 'train.muon'; did you mean 'lr'?"},
    {"", "train { block X = mlp() }",
     "9:15: error: block definitions belong in the model section"},
    {"", "train { iterations = 0 }",
     "9:22: error: 'train.iterations' = 0 is out of range"},
    // Data and export.
    {"", "data { tokenizer = \"tok.vocab\" }",
     "9:20: error: tokenizer 'tok.vocab' must be a SentencePiece .model file"},
    {"", "data { train = data/x }",
     "9:16: error: wrong type for 'data.train': expected a string, got a name "
     "(hint: put it in double quotes)"},
    {"", "export { matrix_bits = 9 }",
     "9:24: error: 'export.matrix_bits' = 9 is out of range"},
    {"", "export { embed_bits = 12 }",
     "9:23: error: embed_bits = 12 is not supported"},
    {"", "export { compressor = lzma(10) }",
     "9:28: error: 'export.compressor.preset' = 10 is out of range"},
    {"", "export { compressor = brotli }",
     "9:23: error: unknown value 'brotli' for 'export.compressor'"},
    {"", "export { clip = percentile([0.5, 1.5]) }",
     "9:34: error: clip quantiles must be numbers in (0, 1]"},
    {"", "export { clip = percentile(0.5) }",
     "9:28: error: wrong type for 'export.clip.values': expected a list"},
    {"", "export { calibration = train(seqs = 0) }",
     "9:37: error: 'export.calibration.seqs' = 0 is out of range"},
    {"", "export { calibration = train(temp = 0.8) }",
     "9:30: error: unknown argument 'temp' to 'export.calibration'"},
    // Top level.
    {"", "trian { }",
     "9:1: error: unknown section 'trian'; did you mean 'train'?"},
    {"", "x = 3", "9:1: error: 'x' must be inside a section"},
};

INSTANTIATE_TEST_SUITE_P(All, SemaError, ::testing::ValuesIn(kCases));

TEST(SemaErrors, MissingRequiredFields) {
  LoadResult R = load("model {\n block A = attention()\n}");
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("t.hyb:1:1: error: missing required field "
                        "'model.vocab' (hint: vocab = 1024)"),
            std::string::npos)
      << R.Diag;
  EXPECT_NE(R.Diag.find("missing required field 'model.d_model'"),
            std::string::npos);
  EXPECT_NE(R.Diag.find("missing required field 'model.layers'"),
            std::string::npos);
  EXPECT_EQ(R.Summary, "t.hyb: 3 errors");
}

TEST(SemaErrors, EmptyFileNeedsAModelSection) {
  for (const char *Text : {"", "# only a comment\n", "\n\n  \n"}) {
    LoadResult R = load(Text);
    EXPECT_FALSE(R.Ok);
    EXPECT_NE(R.Diag.find("t.hyb:1:1: error: missing 'model' section"),
              std::string::npos)
        << R.Diag;
    EXPECT_EQ(R.Summary, "t.hyb: 1 error");
  }
}

TEST(SemaErrors, AllErrorsAreReportedInOneRun) {
  LoadResult R = load(spec("vocab2 = 3\n block B = mamba3(d_state = 63)",
                           "train { muon { lr = -1 } }\nexport { prune = 2 }"));
  EXPECT_FALSE(R.Ok);
  EXPECT_EQ(countErrors(R.Diag), 4u) << R.Diag;
  EXPECT_EQ(R.Summary, "t.hyb: 4 errors");
}

TEST(SemaErrors, ParseErrorsSuppressEchoErrors) {
  // The layers line fails to parse; "missing layers" would only echo it.
  LoadResult R = load("model {\n vocab = 8\n d_model = 16\n layers = \"A\n}");
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("unterminated string"), std::string::npos);
  EXPECT_EQ(R.Diag.find("missing required"), std::string::npos) << R.Diag;
}

TEST(SemaErrors, TooManyErrorsAreCapped) {
  std::string Text = "model {\n";
  for (int I = 0; I < 200; ++I)
    Text += " f" + std::to_string(I) + " = 1\n";
  LoadResult R = load(Text + "}");
  EXPECT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("too many errors (50)"), std::string::npos);
  EXPECT_LE(countErrors(R.Diag), 51u);
  EXPECT_EQ(R.Summary, "t.hyb: 203 errors"); // 200 unknown + 3 missing
}

} // namespace
