//===- frontend/SpecPrinter.cpp - Resolved spec -> .hyb text ----*- C++ -*-===//
///
/// \file
/// `printResolvedSpec`: writes every field of a Spec as .hyb text that sema
/// reads back to the same Spec (the round trip is tested on all examples).
/// Derived sizes are printed as comments, which the parser ignores.
///
/// Example output line: `block M = mamba3(d_state = 64, expand = 2, ...)`.
///
//===----------------------------------------------------------------------===//
#include "frontend/SpecPrinter.h"
#include "frontend/Frontend.h"

#include <utility>
#include <vector>

using namespace llvm;

namespace hybc {

namespace {

using ArgList = std::vector<std::pair<std::string, std::string>>;

std::string b(bool V) { return V ? "true" : "false"; }
std::string d(double V) { return formatDouble(V); }
std::string i(int64_t V) { return formatInt(V); }

const char *overflowName(SkipOverflow O) {
  switch (O) {
  case SkipOverflow::Stack:
    return "stack";
  case SkipOverflow::Drop:
    return "drop";
  case SkipOverflow::Clamp:
    return "clamp";
  }
  return "stack";
}

/// `name(a = 1, b = 2)`, wrapped before column 100 with continuation lines
/// aligned after the '(' (which sits at \p Column).
std::string call(StringRef Name, const ArgList &Args, size_t Column) {
  std::string Out = Name.str();
  if (Args.empty())
    return Out;
  Out += "(";
  size_t Indent = Column + Name.size() + 1;
  size_t Col = Indent;
  for (size_t K = 0; K < Args.size(); ++K) {
    std::string A = Args[K].first.empty()
                        ? Args[K].second
                        : Args[K].first + " = " + Args[K].second;
    if (K) {
      Out += ",";
      ++Col;
      if (Col + 1 + A.size() + 1 > 100) {
        Out += "\n" + std::string(Indent, ' ');
        Col = Indent;
      } else {
        Out += " ";
        ++Col;
      }
    }
    Out += A;
    Col += A.size();
  }
  return Out + ")";
}

/// `name { a = 1, b = 2 }` on one line.
std::string inlineSection(StringRef Name, const ArgList &Fields) {
  std::string Out = Name.str() + " {";
  for (size_t K = 0; K < Fields.size(); ++K)
    Out += (K ? ", " : " ") + Fields[K].first + " = " + Fields[K].second;
  return Out + " }";
}

class SpecWriter {
public:
  explicit SpecWriter(raw_ostream &OS) : OS(OS) {}
  void write(const Spec &S);

private:
  void line(const Twine &Text) { OS.indent(Indent) << Text << "\n"; }
  void field(StringRef Name, const std::string &Val) {
    line(Name + " = " + Val);
  }
  void open(StringRef Name) {
    line(Name + " {");
    Indent += 2;
  }
  void close() {
    Indent -= 2;
    line("}");
  }
  void model(const ModelSpec &M);
  void embed(const EmbedSpec &E);
  void block(const BlockSpec &B);
  void layers(const ModelSpec &M);
  void train(const TrainSpec &T);
  void optimizers(const TrainSpec &T);
  void data(const DataSpec &D);
  void exportSection(const ExportSpec &E);

  raw_ostream &OS;
  unsigned Indent = 0;
};

} // namespace

void SpecWriter::write(const Spec &S) {
  line("# Resolved spec" + Twine(S.Path.empty() ? "" : " of " + S.Path) +
       ": every default is spelled out; derived sizes are comments.");
  model(S.Model);
  train(S.Train);
  data(S.Data);
  exportSection(S.Export);
}

void SpecWriter::embed(const EmbedSpec &E) {
  open("embed");
  field("tied", b(E.Tied));
  field("init_std", d(E.InitStd));
  field("smear_gate", b(E.SmearGate));
  field("smear_init", d(E.SmearInit));
  line(inlineSection("bigram_hash", {{"enabled", b(E.BigramHash)},
                                     {"buckets", i(E.BigramBuckets)},
                                     {"dim", i(E.BigramDim)},
                                     {"init_std", d(E.BigramInitStd)}}));
  close();
}

void SpecWriter::model(const ModelSpec &M) {
  open("model");
  field("vocab", i(M.Vocab));
  field("d_model", i(M.DModel));
  embed(M.Embed);
  for (const BlockSpec &B : M.Blocks)
    block(B);
  layers(M);
  const RecurrenceSpec &R = M.Recurrence;
  line(inlineSection(
      "recurrence",
      {{"enabled", b(R.Enabled)},
       {"layers", i(R.First) + ".." + i(R.Last)},
       {"repeats", i(R.Repeats)},
       {"start", d(R.Start)},
       {"unit", R.Unit == RecurrenceUnit::Steps ? "steps" : "wallclock"}}));
  std::string Skips =
      M.Skips.Enabled
          ? call("unet",
                 {{"weights", M.Skips.Weights == SkipWeightsRule::Physical
                                  ? "physical"
                                  : "virtual"},
                  {"overflow", overflowName(M.Skips.Overflow)}},
                 Indent + 8)
          : "none";
  field("skips", Skips);
  field("logit_softcap", d(M.LogitSoftcap));
  field("norm_eps", d(M.NormEps));
  field("init", M.Init == InitKind::Default ? "default" : "orthogonal");
  field("zero_init_proj", b(M.ZeroInitProj));
  close();
}

void SpecWriter::layers(const ModelSpec &M) {
  bool Short = true;
  for (const BlockSpec &B : M.Blocks)
    Short &= B.Name.size() == 1;
  std::string Out = Short ? "\"" : "[";
  for (size_t K = 0; K < M.Layers.size(); ++K) {
    const std::string &Name = M.Blocks[M.Layers[K]].Name;
    Out += Short ? Name : (K ? ", " : "") + Name;
  }
  field("layers", Out + (Short ? "\"" : "]"));
}

static std::string mamba3Call(const Mamba3Spec &S, size_t Column) {
  return call(
      "mamba3",
      {{"d_state", i(S.DState)},
       {"expand", i(S.Expand)},
       {"headdim", i(S.HeadDim)},
       {"ngroups", i(S.NGroups)},
       {"chunk", i(S.Chunk)},
       {"rope_fraction", d(S.RopeFraction)},
       {"a_act", S.AAct == AActivation::Softplus ? "softplus" : "heavy_tail"},
       {"a_floor", d(S.AFloor)},
       {"outproj_norm", b(S.OutProjNorm)},
       {"d_skip", b(S.DSkip)},
       {"dt_min", d(S.DtMin)},
       {"dt_max", d(S.DtMax)},
       {"dt_init_floor", d(S.DtInitFloor)},
       {"norm_eps", d(S.NormEps)}},
      Column);
}

static std::string attentionCall(const AttentionSpec &A, size_t Column) {
  return call(
      "attention",
      {{"heads", i(A.Heads)},
       {"kv_heads", i(A.KVHeads)},
       {"rope_base", d(A.RopeBase)},
       {"rope_fraction", d(A.RopeFraction)},
       {"qk_norm", b(A.QKNorm)},
       {"rope_tables", A.RopeTables == RopeTableMode::Exact      ? "exact"
                       : A.RopeTables == RopeTableMode::Compiled ? "compiled"
                                                                 : "eager"},
       {"q_gain", d(A.QGainInit)},
       {"v_act", A.VAct == ValueActivation::None ? "none" : "silu"}},
      Column);
}

static std::string mlpCall(const MlpSpec &M, size_t Column) {
  std::string Act = M.Act == MlpActivation::Relu2
                        ? "relu2"
                        : "leaky_relu2(" + d(M.Slope) + ")";
  return call("mlp", {{"mult", d(M.Mult)}, {"act", Act}}, Column);
}

void SpecWriter::block(const BlockSpec &B) {
  std::string Head = "block " + B.Name + " = ";
  size_t Column = Indent + Head.size();
  std::string Mixer = B.Kind == BlockKind::Mamba3
                          ? mamba3Call(B.Mamba3, Column)
                          : attentionCall(B.Attn, Column);
  line(Head + Mixer);
  if (B.HasMlp)
    line(std::string(Head.size() - 2, ' ') + "+ " + mlpCall(B.Mlp, Column));
  std::string Derived;
  if (B.Kind == BlockKind::Mamba3)
    Derived = "d_inner = " + i(B.Mamba3.DInner) +
              ", nheads = " + i(B.Mamba3.NHeads) +
              ", rope_angles = " + i(B.Mamba3.NumRopeAngles) +
              ", d_proj = " + i(B.Mamba3.DProj);
  else
    Derived = "head_dim = " + i(B.Attn.HeadDim) +
              ", rope_dims = " + i(B.Attn.RopeDims);
  if (B.HasMlp)
    Derived += ", mlp hidden = " + i(B.Mlp.Hidden);
  line("# " + B.Name + ": " + Derived);
}

void SpecWriter::optimizers(const TrainSpec &T) {
  const MuonSpec &M = T.Muon;
  open("muon");
  field("lr", d(M.Lr));
  field("momentum", d(M.Momentum));
  field("momentum_warmup_start", d(M.MomentumWarmupStart));
  field("momentum_warmup_steps", i(M.MomentumWarmupSteps));
  field("ns_steps", i(M.NsSteps));
  field("nesterov", b(M.Nesterov));
  field("eq_r", b(M.EqR));
  field("weight_decay", d(M.WeightDecay));
  close();
  const AdamSpec &A = T.Adam;
  open("adam");
  field("embed_lr", d(A.EmbedLr));
  field("head_lr", d(A.HeadLr));
  field("scalar_lr", d(A.ScalarLr));
  field("beta1", d(A.Beta1));
  field("beta2", d(A.Beta2));
  field("eps", d(A.Eps));
  field("weight_decay", d(A.WeightDecay));
  close();
}

void SpecWriter::train(const TrainSpec &T) {
  open("train");
  field("seq_len", i(T.SeqLen));
  field("batch_tokens", i(T.BatchTokens));
  field("grad_accum", i(T.GradAccum));
  field("iterations", i(T.Iterations));
  field("wallclock", d(T.WallclockSeconds));
  field("warmup_steps", i(T.WarmupSteps));
  field("lr_warmup_steps", i(T.LrWarmupSteps));
  line(inlineSection(
      "warmdown",
      {{"iters", i(T.WarmdownIters)},
       {"shape", T.Warmdown == WarmdownShape::Linear ? "linear" : "cosine"}}));
  optimizers(T);
  field("grad_clip", d(T.GradClip));
  field("ema", d(T.EmaDecay));
  field("late_qat", d(T.LateQatThreshold));
  field("qat_bits", i(T.QatBits));
  field("eval_seq_len", i(T.EvalSeqLen));
  field("eval_stride", i(T.EvalStride));
  field("val_every", i(T.ValEvery));
  field("val_batch_tokens", i(T.ValBatchTokens));
  field("val_tokens", i(T.ValTokens));
  field("log_every", i(T.LogEvery));
  field("checkpoint_every", i(T.CheckpointEvery));
  field("seed", i(static_cast<int64_t>(T.Seed)));
  close();
}

void SpecWriter::data(const DataSpec &D) {
  open("data");
  field("train", quoteString(D.TrainGlob));
  field("val", quoteString(D.ValGlob));
  field("tokenizer", quoteString(D.Tokenizer));
  close();
}

void SpecWriter::exportSection(const ExportSpec &E) {
  open("export");
  field("matrix_bits", i(E.MatrixBits));
  field("embed_bits", i(E.EmbedBits));
  field("scalar_keep", i(E.ScalarKeep));
  field("gptq", b(E.Gptq));
  size_t Col = Indent + 7;
  if (E.Clip == ClipMethod::SDClip) {
    field("clip",
          call("sdclip", {{"k", d(E.SdClipK)}, {"k_embed", d(E.SdClipKEmbed)}},
               Col));
  } else {
    std::string L = "[";
    for (size_t K = 0; K < E.Percentiles.size(); ++K)
      L += (K ? ", " : "") + d(E.Percentiles[K]);
    field("clip", call("percentile", {{"", L + "]"}}, Col));
  }
  ArgList Calib = {{"seqs", i(E.CalibSeqs)}, {"seq_len", i(E.CalibSeqLen)}};
  if (E.Calib == CalibSource::SelfGen)
    Calib.push_back({"temp", d(E.CalibTemp)});
  field("calibration", call(E.Calib == CalibSource::Train ? "train" : "selfgen",
                            Calib, Indent + 14));
  field("gptq_block", i(E.GptqBlock));
  field("gptq_damp", d(E.GptqDamp));
  std::string Comp = E.Compress == Compressor::Lzma
                         ? "lzma(" + i(E.LzmaPreset) + ")"
                     : E.Compress == Compressor::Zlib ? "zlib"
                                                      : "none";
  field("compressor", Comp);
  field("byte_budget", i(E.ByteBudget));
  field("prune", b(E.Prune));
  close();
}

void printResolvedSpec(const Spec &S, raw_ostream &OS) {
  SpecWriter(OS).write(S);
}

} // namespace hybc
