//===- frontend/SemaTrain.cpp - The train section ---------------*- C++ -*-===//
///
/// \file
/// Schema of `train { ... }`: batch geometry, schedule (warmdown), the Muon
/// and Adam optimizer groups, EMA/QAT switches, evaluation and logging
/// cadence, and the seed.
///
/// Example: `train { seq_len = 4096, muon { lr = 0.025, eq_r = true } }`.
///
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

using namespace llvm;

namespace hybc {

static constexpr int64_t kBig = INT64_MAX;

static void semaWarmdown(SemaContext &C, const ast::Stmt &Sec, TrainSpec &T) {
  FieldReader R(C, Sec, "train.warmdown");
  R.readInt("iters", T.WarmdownIters, 0, kBig);
  R.readEnum("shape", {"linear", "cosine"}, T.Warmdown);
  R.finish();
}

static void semaMuon(SemaContext &C, const ast::Stmt &Sec, MuonSpec &M) {
  FieldReader R(C, Sec, "train.muon");
  R.readFloat("lr", M.Lr, FloatRange::atLeast(0));
  R.readFloat("momentum", M.Momentum, FloatRange::halfOpen(0, 1));
  R.readFloat("momentum_warmup_start", M.MomentumWarmupStart,
              FloatRange::halfOpen(0, 1));
  R.readInt("momentum_warmup_steps", M.MomentumWarmupSteps, 0, kBig);
  R.readInt("ns_steps", M.NsSteps, 1, 100);
  R.readBool("nesterov", M.Nesterov);
  R.readBool("eq_r", M.EqR);
  R.readFloat("weight_decay", M.WeightDecay, FloatRange::atLeast(0));
  R.finish();
}

static void semaAdam(SemaContext &C, const ast::Stmt *Sec, bool Tied,
                     AdamSpec &A) {
  // An untied embedding trains with EMBED_LR 0.6 unless set (train_gpt.py).
  if (!Tied)
    A.EmbedLr = 0.6;
  if (!Sec)
    return;
  FieldReader R(C, *Sec, "train.adam");
  R.readFloat("embed_lr", A.EmbedLr, FloatRange::atLeast(0));
  R.readFloat("head_lr", A.HeadLr, FloatRange::atLeast(0));
  R.readFloat("scalar_lr", A.ScalarLr, FloatRange::atLeast(0));
  R.readFloat("beta1", A.Beta1, FloatRange::halfOpen(0, 1));
  R.readFloat("beta2", A.Beta2, FloatRange::halfOpen(0, 1));
  R.readFloat("eps", A.Eps, FloatRange::above(0));
  R.readFloat("weight_decay", A.WeightDecay, FloatRange::atLeast(0));
  R.finish();
}

/// seq_len, batch_tokens and grad_accum must tile: every micro-step holds a
/// whole number of sequences.
static void checkBatch(SemaContext &C, FieldReader &R, const TrainSpec &T) {
  int64_t Per = T.SeqLen * T.GradAccum; // <= 2^30 by the field ranges.
  if (T.BatchTokens % Per == 0)
    return;
  C.Diags.error(
      R.locOf("batch_tokens"),
      "batch_tokens = " + Twine(T.BatchTokens) +
          " is not a multiple of seq_len * grad_accum = " + Twine(Per) +
          " (hint: each micro-step must hold whole "
          "sequences)");
}

static void semaSchedule(SemaContext &C, FieldReader &R, TrainSpec &T) {
  bool Ok = !R.has("seq_len") || R.readInt("seq_len", T.SeqLen, 1, 1 << 20);
  Ok &= !R.has("batch_tokens") ||
        R.readInt("batch_tokens", T.BatchTokens, 1, int64_t(1) << 40);
  Ok &= !R.has("grad_accum") || R.readInt("grad_accum", T.GradAccum, 1, 1024);
  if (Ok)
    checkBatch(C, R, T);
  R.readInt("iterations", T.Iterations, 1, kBig);
  R.readFloat("wallclock", T.WallclockSeconds, FloatRange::atLeast(0));
  R.readInt("warmup_steps", T.WarmupSteps, 0, kBig);
  R.readInt("lr_warmup_steps", T.LrWarmupSteps, 0, kBig);
  if (const ast::Stmt *W = R.getSection("warmdown"))
    semaWarmdown(C, *W, T);
  R.readFloat("grad_clip", T.GradClip, FloatRange::atLeast(0));
  R.readFloat("ema", T.EmaDecay, FloatRange::halfOpen(0, 1));
  R.readFloat("late_qat", T.LateQatThreshold, FloatRange::closed(0, 1));
  R.readInt("qat_bits", T.QatBits, 2, 8);
}

static void semaEval(SemaContext &C, FieldReader &R, TrainSpec &T) {
  R.readInt("eval_seq_len", T.EvalSeqLen, 0, 1 << 20);
  R.readInt("eval_stride", T.EvalStride, 0, 1 << 20);
  R.readInt("val_every", T.ValEvery, 0, kBig);
  R.readInt("val_batch_tokens", T.ValBatchTokens, 1, int64_t(1) << 40);
  R.readInt("val_tokens", T.ValTokens, 0, kBig);
  R.readInt("log_every", T.LogEvery, 0, kBig);
  R.readInt("checkpoint_every", T.CheckpointEvery, 0, kBig);
  int64_t Seed = static_cast<int64_t>(T.Seed);
  if (R.readInt("seed", Seed, 0, kBig))
    T.Seed = static_cast<uint64_t>(Seed);
  int64_t EvalLen = T.EvalSeqLen ? T.EvalSeqLen : T.SeqLen;
  if (T.EvalStride > EvalLen)
    C.Diags.error(R.locOf("eval_stride"),
                  "eval_stride = " + Twine(T.EvalStride) +
                      " is larger than the eval window of " + Twine(EvalLen) +
                      " tokens (hint: stride 64 with 1024-token windows; 0 "
                      "disables sliding eval)");
}

void semaTrain(SemaContext &C, const ast::Stmt &Sec, bool Tied, TrainSpec &T) {
  FieldReader R(C, Sec, "train");
  semaSchedule(C, R, T);
  if (const ast::Stmt *M = R.getSection("muon"))
    semaMuon(C, *M, T.Muon);
  semaAdam(C, R.getSection("adam"), Tied, T.Adam);
  semaEval(C, R, T);
  R.finish();
}

} // namespace hybc
