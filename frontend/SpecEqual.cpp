//===- frontend/SpecEqual.cpp - Field-by-field Spec comparison --*- C++ -*-===//
///
/// \file
/// Lists every field of Spec.h once. When a field is added to Spec.h, add it
/// here too (and to the printer and sema); the round-trip tests then cover it.
///
//===----------------------------------------------------------------------===//
#include "frontend/SpecEqual.h"

#include "llvm/ADT/Twine.h"

namespace hybc {

namespace {

/// Records every field whose values differ (or every field, with All).
class Cmp {
public:
  std::vector<std::string> Diffs;
  bool All = false;

  template <typename T>
  void f(const llvm::Twine &Name, const T &A, const T &B) {
    if (All || !(A == B))
      Diffs.push_back(Name.str());
  }

  void mamba3(const std::string &P, const Mamba3Spec &A, const Mamba3Spec &B);
  void attn(const std::string &P, const AttentionSpec &A,
            const AttentionSpec &B);
  void block(const std::string &P, const BlockSpec &A, const BlockSpec &B);
  void model(const ModelSpec &A, const ModelSpec &B);
  void embed(const EmbedSpec &A, const EmbedSpec &B);
  void train(const TrainSpec &A, const TrainSpec &B);
  void optim(const TrainSpec &A, const TrainSpec &B);
  void exportSpec(const ExportSpec &A, const ExportSpec &B);
};

} // namespace

void Cmp::mamba3(const std::string &P, const Mamba3Spec &A,
                 const Mamba3Spec &B) {
  f(P + "d_state", A.DState, B.DState);
  f(P + "expand", A.Expand, B.Expand);
  f(P + "headdim", A.HeadDim, B.HeadDim);
  f(P + "ngroups", A.NGroups, B.NGroups);
  f(P + "chunk", A.Chunk, B.Chunk);
  f(P + "rope_fraction", A.RopeFraction, B.RopeFraction);
  f(P + "a_act", A.AAct, B.AAct);
  f(P + "a_floor", A.AFloor, B.AFloor);
  f(P + "outproj_norm", A.OutProjNorm, B.OutProjNorm);
  f(P + "d_skip", A.DSkip, B.DSkip);
  f(P + "dt_min", A.DtMin, B.DtMin);
  f(P + "dt_max", A.DtMax, B.DtMax);
  f(P + "dt_init_floor", A.DtInitFloor, B.DtInitFloor);
  f(P + "norm_eps", A.NormEps, B.NormEps);
  f(P + "DInner", A.DInner, B.DInner);
  f(P + "NHeads", A.NHeads, B.NHeads);
  f(P + "NumRopeAngles", A.NumRopeAngles, B.NumRopeAngles);
  f(P + "DProj", A.DProj, B.DProj);
}

void Cmp::attn(const std::string &P, const AttentionSpec &A,
               const AttentionSpec &B) {
  f(P + "heads", A.Heads, B.Heads);
  f(P + "kv_heads", A.KVHeads, B.KVHeads);
  f(P + "rope_base", A.RopeBase, B.RopeBase);
  f(P + "rope_fraction", A.RopeFraction, B.RopeFraction);
  f(P + "qk_norm", A.QKNorm, B.QKNorm);
  f(P + "rope_tables", A.RopeTables, B.RopeTables);
  f(P + "q_gain", A.QGainInit, B.QGainInit);
  f(P + "v_act", A.VAct, B.VAct);
  f(P + "HeadDim", A.HeadDim, B.HeadDim);
  f(P + "RopeDims", A.RopeDims, B.RopeDims);
}

void Cmp::block(const std::string &P, const BlockSpec &A, const BlockSpec &B) {
  f(P + "name", A.Name, B.Name);
  f(P + "kind", A.Kind, B.Kind);
  mamba3(P + "mamba3.", A.Mamba3, B.Mamba3);
  attn(P + "attention.", A.Attn, B.Attn);
  f(P + "has_mlp", A.HasMlp, B.HasMlp);
  f(P + "mlp.mult", A.Mlp.Mult, B.Mlp.Mult);
  f(P + "mlp.act", A.Mlp.Act, B.Mlp.Act);
  f(P + "mlp.slope", A.Mlp.Slope, B.Mlp.Slope);
  f(P + "mlp.Hidden", A.Mlp.Hidden, B.Mlp.Hidden);
}

void Cmp::embed(const EmbedSpec &A, const EmbedSpec &B) {
  f("model.embed.tied", A.Tied, B.Tied);
  f("model.embed.init_std", A.InitStd, B.InitStd);
  f("model.embed.smear_gate", A.SmearGate, B.SmearGate);
  f("model.embed.smear_init", A.SmearInit, B.SmearInit);
  f("model.embed.bigram_hash.enabled", A.BigramHash, B.BigramHash);
  f("model.embed.bigram_hash.buckets", A.BigramBuckets, B.BigramBuckets);
  f("model.embed.bigram_hash.dim", A.BigramDim, B.BigramDim);
  f("model.embed.bigram_hash.init_std", A.BigramInitStd, B.BigramInitStd);
}

void Cmp::model(const ModelSpec &A, const ModelSpec &B) {
  f("model.vocab", A.Vocab, B.Vocab);
  f("model.d_model", A.DModel, B.DModel);
  embed(A.Embed, B.Embed);
  f("model.blocks.size", A.Blocks.size(), B.Blocks.size());
  for (size_t I = 0; I < A.Blocks.size() && I < B.Blocks.size(); ++I)
    block("model." + A.Blocks[I].Name + ".", A.Blocks[I], B.Blocks[I]);
  f("model.layers", A.Layers, B.Layers);
  const RecurrenceSpec &RA = A.Recurrence, &RB = B.Recurrence;
  f("model.recurrence.enabled", RA.Enabled, RB.Enabled);
  f("model.recurrence.first", RA.First, RB.First);
  f("model.recurrence.last", RA.Last, RB.Last);
  f("model.recurrence.repeats", RA.Repeats, RB.Repeats);
  f("model.recurrence.start", RA.Start, RB.Start);
  f("model.recurrence.unit", RA.Unit, RB.Unit);
  f("model.skips.enabled", A.Skips.Enabled, B.Skips.Enabled);
  f("model.skips.weights", A.Skips.Weights, B.Skips.Weights);
  f("model.skips.overflow", A.Skips.Overflow, B.Skips.Overflow);
  f("model.logit_softcap", A.LogitSoftcap, B.LogitSoftcap);
  f("model.norm_eps", A.NormEps, B.NormEps);
  f("model.init", A.Init, B.Init);
  f("model.zero_init_proj", A.ZeroInitProj, B.ZeroInitProj);
}

void Cmp::optim(const TrainSpec &A, const TrainSpec &B) {
  const MuonSpec &MA = A.Muon, &MB = B.Muon;
  f("train.muon.lr", MA.Lr, MB.Lr);
  f("train.muon.momentum", MA.Momentum, MB.Momentum);
  f("train.muon.momentum_warmup_start", MA.MomentumWarmupStart,
    MB.MomentumWarmupStart);
  f("train.muon.momentum_warmup_steps", MA.MomentumWarmupSteps,
    MB.MomentumWarmupSteps);
  f("train.muon.ns_steps", MA.NsSteps, MB.NsSteps);
  f("train.muon.nesterov", MA.Nesterov, MB.Nesterov);
  f("train.muon.eq_r", MA.EqR, MB.EqR);
  f("train.muon.weight_decay", MA.WeightDecay, MB.WeightDecay);
  const AdamSpec &AA = A.Adam, &AB = B.Adam;
  f("train.adam.embed_lr", AA.EmbedLr, AB.EmbedLr);
  f("train.adam.head_lr", AA.HeadLr, AB.HeadLr);
  f("train.adam.scalar_lr", AA.ScalarLr, AB.ScalarLr);
  f("train.adam.beta1", AA.Beta1, AB.Beta1);
  f("train.adam.beta2", AA.Beta2, AB.Beta2);
  f("train.adam.eps", AA.Eps, AB.Eps);
  f("train.adam.weight_decay", AA.WeightDecay, AB.WeightDecay);
}

void Cmp::train(const TrainSpec &A, const TrainSpec &B) {
  f("train.seq_len", A.SeqLen, B.SeqLen);
  f("train.batch_tokens", A.BatchTokens, B.BatchTokens);
  f("train.grad_accum", A.GradAccum, B.GradAccum);
  f("train.iterations", A.Iterations, B.Iterations);
  f("train.wallclock", A.WallclockSeconds, B.WallclockSeconds);
  f("train.warmup_steps", A.WarmupSteps, B.WarmupSteps);
  f("train.lr_warmup_steps", A.LrWarmupSteps, B.LrWarmupSteps);
  f("train.warmdown.iters", A.WarmdownIters, B.WarmdownIters);
  f("train.warmdown.shape", A.Warmdown, B.Warmdown);
  optim(A, B);
  f("train.grad_clip", A.GradClip, B.GradClip);
  f("train.ema", A.EmaDecay, B.EmaDecay);
  f("train.late_qat", A.LateQatThreshold, B.LateQatThreshold);
  f("train.qat_bits", A.QatBits, B.QatBits);
  f("train.eval_seq_len", A.EvalSeqLen, B.EvalSeqLen);
  f("train.eval_stride", A.EvalStride, B.EvalStride);
  f("train.val_every", A.ValEvery, B.ValEvery);
  f("train.val_batch_tokens", A.ValBatchTokens, B.ValBatchTokens);
  f("train.val_tokens", A.ValTokens, B.ValTokens);
  f("train.log_every", A.LogEvery, B.LogEvery);
  f("train.checkpoint_every", A.CheckpointEvery, B.CheckpointEvery);
  f("train.seed", A.Seed, B.Seed);
}

void Cmp::exportSpec(const ExportSpec &A, const ExportSpec &B) {
  f("export.matrix_bits", A.MatrixBits, B.MatrixBits);
  f("export.embed_bits", A.EmbedBits, B.EmbedBits);
  f("export.scalar_keep", A.ScalarKeep, B.ScalarKeep);
  f("export.gptq", A.Gptq, B.Gptq);
  f("export.clip", A.Clip, B.Clip);
  f("export.clip.k", A.SdClipK, B.SdClipK);
  f("export.clip.k_embed", A.SdClipKEmbed, B.SdClipKEmbed);
  f("export.clip.values", A.Percentiles, B.Percentiles);
  f("export.calibration", A.Calib, B.Calib);
  f("export.calibration.seqs", A.CalibSeqs, B.CalibSeqs);
  f("export.calibration.seq_len", A.CalibSeqLen, B.CalibSeqLen);
  f("export.calibration.temp", A.CalibTemp, B.CalibTemp);
  f("export.gptq_block", A.GptqBlock, B.GptqBlock);
  f("export.gptq_damp", A.GptqDamp, B.GptqDamp);
  f("export.compressor", A.Compress, B.Compress);
  f("export.compressor.preset", A.LzmaPreset, B.LzmaPreset);
  f("export.byte_budget", A.ByteBudget, B.ByteBudget);
  f("export.prune", A.Prune, B.Prune);
}

static std::vector<std::string> compare(const Spec &A, const Spec &B,
                                        bool All) {
  Cmp C;
  C.All = All;
  C.model(A.Model, B.Model);
  C.train(A.Train, B.Train);
  C.f("data.train", A.Data.TrainGlob, B.Data.TrainGlob);
  C.f("data.val", A.Data.ValGlob, B.Data.ValGlob);
  C.f("data.tokenizer", A.Data.Tokenizer, B.Data.Tokenizer);
  C.exportSpec(A.Export, B.Export);
  return C.Diffs;
}

std::vector<std::string> specDifferences(const Spec &A, const Spec &B) {
  return compare(A, B, /*All=*/false);
}

std::vector<std::string> specFieldNames(const Spec &S) {
  return compare(S, S, /*All=*/true);
}

bool specsEqual(const Spec &A, const Spec &B, std::string *FirstDiff) {
  std::vector<std::string> D = specDifferences(A, B);
  if (FirstDiff)
    *FirstDiff = D.empty() ? "" : D.front();
  return D.empty();
}

} // namespace hybc
