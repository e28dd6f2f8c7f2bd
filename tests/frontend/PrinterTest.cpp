//===- tests/frontend/PrinterTest.cpp - Resolved-spec printer ------------===//
//
// Literal formatting, the print -> parse round trip on every example, and a
// check that every Spec field is settable from the language (and therefore
// printed and compared).
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include "frontend/SpecEqual.h"
#include "frontend/SpecPrinter.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

using namespace hybc;
using namespace hybc::test;

namespace {

std::string printed(const Spec &S) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printResolvedSpec(S, OS);
  return OS.str();
}

TEST(Printer, FormatDouble) {
  EXPECT_EQ(formatDouble(1e-8), "1e-8");
  EXPECT_EQ(formatDouble(10000.0), "10_000.0");
  EXPECT_EQ(formatDouble(30.0), "30.0");
  EXPECT_EQ(formatDouble(0.5), "0.5");
  EXPECT_EQ(formatDouble(-0.5), "-0.5");
  EXPECT_EQ(formatDouble(0.0001), "0.0001");
  EXPECT_EQ(formatDouble(1.1920929e-7), "1.1920929e-7");
  EXPECT_EQ(formatDouble(1e20), "1e20");
  EXPECT_EQ(formatDouble(0.1), "0.1");
  EXPECT_EQ(formatDouble(600.0), "600.0");
}

TEST(Printer, FormatIntAndStrings) {
  EXPECT_EQ(formatInt(1024), "1024");
  EXPECT_EQ(formatInt(524288), "524_288");
  EXPECT_EQ(formatInt(16000000), "16_000_000");
  EXPECT_EQ(formatInt(-20000), "-20_000");
  EXPECT_EQ(quoteString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
}

/// Every printed double must lex back to the identical bits.
TEST(Printer, DoublesRoundTripThroughTheLanguage) {
  std::mt19937_64 Rng(1234);
  std::vector<double> Vals = {0.997,
                              0.15,
                              12.85,
                              1e-3,
                              3.0,
                              0.85,
                              1e-300,
                              1.7976931348623157e308,
                              0.30000000000000004};
  for (int I = 0; I < 2000; ++I) {
    double Mant = std::uniform_real_distribution<double>(0, 1)(Rng);
    int Exp = std::uniform_int_distribution<int>(-30, 30)(Rng);
    Vals.push_back(std::ldexp(Mant, Exp));
  }
  for (double V : Vals) {
    std::string Text = spec("logit_softcap = " + formatDouble(V));
    LoadResult R = load(Text);
    ASSERT_TRUE(R.Ok) << formatDouble(V) << "\n" << R.Diag;
    EXPECT_EQ(R.S.Model.LogitSoftcap, V) << formatDouble(V);
  }
}

TEST(Printer, RoundTripOnEveryExample) {
  for (const std::string &Path : exampleFiles()) {
    std::string Diag;
    llvm::raw_string_ostream OS(Diag);
    llvm::Expected<Spec> S1 = loadSpec(Path, {}, OS);
    ASSERT_TRUE(static_cast<bool>(S1)) << OS.str();
    std::string Text1 = printed(*S1);
    LoadResult R2 = load(Text1, {}, "resolved.hyb");
    ASSERT_TRUE(R2.Ok) << Path << "\n" << R2.Diag << "\n" << Text1;
    EXPECT_TRUE(R2.Diag.empty()) << R2.Diag; // no warnings either
    std::string Diff;
    EXPECT_TRUE(specsEqual(*S1, R2.S, &Diff)) << Path << ": " << Diff;
    // Printing is a fixed point (apart from the header naming the file).
    std::string Text2 = printed(R2.S);
    EXPECT_EQ(Text1.substr(Text1.find('\n')), Text2.substr(Text2.find('\n')));
  }
}

TEST(Printer, RoundTripWithOverridesAndListLayers) {
  std::string Text = "model { vocab = 8, d_model = 16\n"
                     " block Mam = mamba3(d_state = 4, headdim = 8)\n"
                     " block Att = attention(heads = 2, kv_heads = 1)\n"
                     " layers = [Mam, Att, Mam]\n skips = none }\n"
                     "data { train = \"a \\\"quoted\\\" \\\\ path\\x01\" }";
  LoadResult R1 = load(Text, {"train.muon.lr=0.123456789", "train.seed=42"});
  ASSERT_TRUE(R1.Ok) << R1.Diag;
  LoadResult R2 = load(printed(R1.S));
  ASSERT_TRUE(R2.Ok) << R2.Diag << printed(R1.S);
  std::string Diff;
  EXPECT_TRUE(specsEqual(R1.S, R2.S, &Diff)) << Diff;
  EXPECT_NE(printed(R1.S).find("layers = [Mam, Att, Mam]"), std::string::npos);
}

/// Two specs that between them set every field to a non-default value.
const char *kAllA = R"(
model {
  vocab = 4096, d_model = 256
  embed { tied = false, init_std = 0.02, smear_gate = true, smear_init = 1.0,
          bigram_hash { buckets = 512, dim = 32, init_std = 0.05 } }
  block M = mamba3(d_state = 32, expand = 1, headdim = 32, ngroups = 2, chunk = 32,
                   rope_fraction = 1.0, a_act = heavy_tail, a_floor = 0.001,
                   outproj_norm = true, d_skip = false, dt_min = 0.01, dt_max = 0.2,
                   dt_init_floor = 0.001, norm_eps = 1e-6)
        + mlp(mult = 5, act = leaky_relu2(0.25))
  block A = attention(heads = 16, kv_heads = 2, rope_base = 500.0, rope_fraction = 0.5,
                      qk_norm = false, rope_tables = compiled, q_gain = 2.0,
                      v_act = silu)
        + mlp(mult = 1.5)
  layers = "MAA"
  recurrence { layers = 1..2, repeats = 3, start = 0.5, unit = wallclock }
  skips = unet(weights = virtual, overflow = drop)
  logit_softcap = 15, norm_eps = 1e-6, init = orthogonal, zero_init_proj = false
}
train {
  seq_len = 512, batch_tokens = 8192, grad_accum = 4, iterations = 100, wallclock = 300
  warmup_steps = 2, lr_warmup_steps = 5, warmdown { iters = 50, shape = cosine }
  muon { lr = 0.01, momentum = 0.9, momentum_warmup_start = 0.5, momentum_warmup_steps = 10,
         ns_steps = 3, nesterov = false, eq_r = true, weight_decay = 0.1 }
  adam { embed_lr = 0.1, head_lr = 0.01, scalar_lr = 0.03, beta1 = 0.8, beta2 = 0.9,
         eps = 1e-6, weight_decay = 0.01 }
  grad_clip = 1.0, ema = 0.99, late_qat = 0.2, qat_bits = 4, eval_seq_len = 256
  eval_stride = 32, val_every = 10, val_batch_tokens = 4096, val_tokens = 100_000
  log_every = 5, checkpoint_every = 50, seed = 7
}
data { train = "t_*.bin", val = "v_*.bin", tokenizer = "x.model" }
export {
  matrix_bits = 4, embed_bits = 6, scalar_keep = 100, gptq = false
  clip = sdclip(k = 10, k_embed = 15)
  calibration = train(seqs = 8, seq_len = 128)
  gptq_block = 64, gptq_damp = 0.05, compressor = lzma(5), byte_budget = 1000, prune = true
}
)";
const char *kAllB = R"(
model {
  vocab = 1024, d_model = 512
  block M = mamba3() + mlp()
  block A = attention() + mlp()
  layers = "MA"
  skips = none
}
export {
  clip = percentile([0.5, 1.0])
  calibration = selfgen(seq_len = 64, temp = 1.5)
  compressor = none
}
)";
const char *kDefaults = R"(
model {
  vocab = 1024, d_model = 512
  block M = mamba3() + mlp()
  block A = attention() + mlp()
  layers = "MA"
}
)";

TEST(Printer, EveryFieldIsSettableAndRoundTrips) {
  LoadResult Def = load(kDefaults);
  ASSERT_TRUE(Def.Ok) << Def.Diag;
  std::set<std::string> Covered;
  for (const char *Text : {kAllA, kAllB}) {
    LoadResult R = load(Text);
    ASSERT_TRUE(R.Ok) << R.Diag;
    for (const std::string &F : specDifferences(R.S, Def.S))
      Covered.insert(F);
    LoadResult Back = load(printed(R.S));
    ASSERT_TRUE(Back.Ok) << Back.Diag;
    std::string Diff;
    EXPECT_TRUE(specsEqual(R.S, Back.S, &Diff)) << Diff;
  }
  // Fields that cannot differ between two specs whose blocks have the same
  // names and kinds: identity, the other mixer kind, relu2's unused slope.
  std::set<std::string> Structural = {
      "model.blocks.size", "model.M.name",    "model.M.kind",
      "model.M.has_mlp",   "model.A.name",    "model.A.kind",
      "model.A.has_mlp",   "model.A.mlp.act", "model.A.mlp.slope"};
  std::vector<std::string> Names = specFieldNames(Def.S);
  EXPECT_GE(Names.size(), 150u);
  for (const std::string &F : Names) {
    bool OtherMixer = F.rfind("model.M.attention.", 0) == 0 ||
                      F.rfind("model.A.mamba3.", 0) == 0;
    if (!Covered.count(F) && !Structural.count(F) && !OtherMixer)
      ADD_FAILURE() << "field never set to a non-default value: " << F;
  }
}

} // namespace
