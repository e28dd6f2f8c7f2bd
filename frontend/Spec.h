//===- frontend/Spec.h - The resolved .hyb model spec -----------*- C++ -*-===//
///
/// \file
/// The fully resolved model/training/export specification that sema produces
/// from a `.hyb` file. Every field has its default filled in; derived sizes
/// (d_inner, nheads, head_dim, ...) are computed by sema. This struct is the
/// contract between the frontend and everything downstream (IR builder,
/// trainer, exporter). Defaults follow the Parameter Golf baseline
/// (`train_gpt.py`) unless a comment says otherwise.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SPEC_H
#define HYBC_FRONTEND_SPEC_H

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

enum class BlockKind { Mamba3, Attention };
enum class MlpActivation { Relu2, LeakyRelu2 };
/// Mamba-3 A activation: PG parity needs Softplus; HeavyTail is the
/// post-2026-06 upstream default (docs mamba3.md §1.3).
enum class AActivation { Softplus, HeavyTail };
enum class ValueActivation { None, Silu };
/// How the RoPE cos/sin tables are built (docs/hyb-language.md
/// `rope_tables`): exactly, or as PyTorch does after `.bfloat16()` under
/// torch.compile (bf16 inv_freq, fp32 angles, bf16 tables) or eagerly
/// (positions, inv_freq, angles and tables all bf16).
enum class RopeTableMode { Exact, Compiled, Eager };
enum class InitKind { Default, Orthogonal };
/// How many U-Net skip weights exist: Physical = min(enc, dec) of the
/// physical stack (seed PR #1607); Virtual = max of that and min(enc, dec)
/// of the recurrence-unrolled stack (PR #1644).
enum class SkipWeightsRule { Physical, Virtual };
/// How decoder step i consumes the skip stack (k = skips applied so far):
/// Stack (PG train_gpt.py): pop whenever the stack is non-empty, add
///   skip_weights[i] * skip.
/// Drop (PR #1644): if i < |stack| and i < #weights add skip_weights[i] *
///   pop(); otherwise pop one skip (if any) and discard it.
/// Clamp (seed PR #1607): if k < |stack| add skip_weights[min(k, n-1)] *
///   pop(); otherwise do nothing.
/// (|stack| shrinks as skips are popped, exactly as in the scripts.)
enum class SkipOverflow { Stack, Drop, Clamp };
enum class RecurrenceUnit { Steps, Wallclock };
enum class WarmdownShape { Linear, Cosine };
enum class ClipMethod { SDClip, Percentile };
enum class CalibSource { Train, SelfGen };
enum class Compressor { Lzma, Zlib, None };

struct Mamba3Spec {
  int64_t DState = 128;
  int64_t Expand = 2;
  int64_t HeadDim = 64;
  int64_t NGroups = 1;
  int64_t Chunk = 64;
  double RopeFraction = 0.5;
  AActivation AAct = AActivation::Softplus;
  double AFloor = 1e-4;
  bool OutProjNorm = false;
  bool DSkip = true;
  double DtMin = 1e-3, DtMax = 0.1, DtInitFloor = 1e-4;
  double NormEps = 1e-5; ///< B/C RMSNorm eps.
  // Derived by sema.
  int64_t DInner = 0;        ///< Expand * d_model.
  int64_t NHeads = 0;        ///< DInner / HeadDim.
  int64_t NumRopeAngles = 0; ///< floor(DState*RopeFraction) made even, / 2.
  int64_t DProj = 0; ///< 2*DInner + 2*NGroups*DState + 3*NHeads + angles.
};

struct AttentionSpec {
  int64_t Heads = 8;
  int64_t KVHeads = 4;
  double RopeBase = 10000.0;
  double RopeFraction = 1.0;
  bool QKNorm = true;
  RopeTableMode RopeTables = RopeTableMode::Exact;
  double QGainInit = 1.5;
  ValueActivation VAct = ValueActivation::None;
  // Derived by sema.
  int64_t HeadDim = 0;  ///< d_model / Heads.
  int64_t RopeDims = 0; ///< max(2, even(HeadDim * RopeFraction)).
};

struct MlpSpec {
  double Mult = 2.0;
  MlpActivation Act = MlpActivation::Relu2;
  double Slope = 0.5; ///< Only for LeakyRelu2.
  int64_t Hidden = 0; ///< Derived: int(Mult * d_model).
};

/// A named block template (`block M = mamba3(...) + mlp(...)`).
struct BlockSpec {
  std::string Name;
  BlockKind Kind = BlockKind::Attention;
  Mamba3Spec Mamba3;
  AttentionSpec Attn;
  bool HasMlp = true;
  MlpSpec Mlp;
  unsigned Line = 0; ///< Spec line of the definition (for kernel comments).
};

struct EmbedSpec {
  bool Tied = true;
  double InitStd = 0.005;
  bool SmearGate = false;
  double SmearInit = 3.0;
  bool BigramHash = false;
  int64_t BigramBuckets = 4096;
  int64_t BigramDim = 128;
  double BigramInitStd = 0.01;
};

/// Depth recurrence: physical layers First..Last (inclusive) run
/// 1 + Repeats times, inserted after Last, once training passes Start.
struct RecurrenceSpec {
  bool Enabled = false;
  int64_t First = 0, Last = 0;
  int64_t Repeats = 1;
  double Start = 0.35;
  RecurrenceUnit Unit = RecurrenceUnit::Steps;
  unsigned Line = 0;
};

struct SkipSpec {
  bool Enabled = true; ///< U-Net skips between encoder and decoder halves.
  SkipWeightsRule Weights = SkipWeightsRule::Physical;
  SkipOverflow Overflow = SkipOverflow::Stack;
};

struct ModelSpec {
  int64_t Vocab = 1024;
  int64_t DModel = 512;
  EmbedSpec Embed;
  std::vector<BlockSpec> Blocks; ///< Block templates, in definition order.
  std::vector<int> Layers;       ///< Physical layers: index into Blocks.
  unsigned LayersLine = 0;
  RecurrenceSpec Recurrence;
  SkipSpec Skips;
  double LogitSoftcap = 30.0; ///< 0 disables.
  double NormEps = 1.1920929e-7; ///< Parameter-free RMSNorm eps (fp32).
  InitKind Init = InitKind::Default;
  bool ZeroInitProj = true; ///< attn.proj / mlp.proj / bigram.proj zero.
};

struct MuonSpec {
  double Lr = 0.04;
  double Momentum = 0.95;
  double MomentumWarmupStart = 0.85;
  int64_t MomentumWarmupSteps = 500;
  int64_t NsSteps = 5;
  bool Nesterov = true;
  bool EqR = false; ///< MuonEq-R row normalisation before NS.
  double WeightDecay = 0.0;
};

struct AdamSpec {
  double EmbedLr = 0.05;  ///< Tied embedding (EMBED_LR 0.6 if untied).
  double HeadLr = 0.008;  ///< Untied lm_head only.
  double ScalarLr = 0.04;
  double Beta1 = 0.9, Beta2 = 0.95;
  double Eps = 1e-8;
  double WeightDecay = 0.0;
};

struct TrainSpec {
  int64_t SeqLen = 1024;
  int64_t BatchTokens = 524288;
  int64_t GradAccum = 8; ///< Micro-steps per step on 1 GPU (8 / world).
  int64_t Iterations = 20000;
  double WallclockSeconds = 600.0; ///< 0 disables the cap.
  int64_t WarmupSteps = 20; ///< Compile warm-up, state restored (no-op).
  int64_t LrWarmupSteps = 0;
  int64_t WarmdownIters = 1200;
  WarmdownShape Warmdown = WarmdownShape::Linear;
  MuonSpec Muon;
  AdamSpec Adam;
  double GradClip = 0.0;       ///< 0 = off.
  double EmaDecay = 0.0;       ///< 0 = off (seed: 0.997).
  double LateQatThreshold = 0; ///< 0 = off (seed: 0.15).
  int64_t QatBits = 6;
  int64_t EvalSeqLen = 0;  ///< 0 = SeqLen.
  int64_t EvalStride = 0;  ///< 0 = standard non-overlapping eval.
  int64_t ValEvery = 1000; ///< Also at step 0 and the last step; 0 = end only.
  int64_t ValBatchTokens = 524288;
  int64_t ValTokens = 0;   ///< Cap on val tokens used (0 = all).
  int64_t LogEvery = 200;
  int64_t CheckpointEvery = 0; ///< 0 = no periodic checkpoints.
  uint64_t Seed = 1337;
};

struct DataSpec {
  std::string TrainGlob; ///< e.g. "data/sample/fineweb_train_*.bin"
  std::string ValGlob;
  std::string Tokenizer; ///< SentencePiece .model
};

struct ExportSpec {
  int64_t MatrixBits = 6;
  int64_t EmbedBits = 8;
  int64_t ScalarKeep = 65536; ///< Tensors <= this many elements: fp16/fp32.
  /// GPTQ (Hessian error feedback); false = per-row round-to-nearest, the
  /// baseline int8 export.
  bool Gptq = true;
  ClipMethod Clip = ClipMethod::SDClip;
  double SdClipK = 12.85;
  double SdClipKEmbed = 20.0;
  std::vector<double> Percentiles = {0.999, 0.9995, 0.9999, 0.99999, 1.0};
  CalibSource Calib = CalibSource::Train;
  int64_t CalibSeqs = 32;
  int64_t CalibSeqLen = 0; ///< 0 = train.seq_len.
  double CalibTemp = 0.8;
  int64_t GptqBlock = 128;
  double GptqDamp = 0.01;
  Compressor Compress = Compressor::Lzma;
  int64_t LzmaPreset = 9;
  int64_t ByteBudget = 16000000;
  bool Prune = false; ///< Selective +-1 pruning to fit ByteBudget.
};

struct Spec {
  std::string Path; ///< File the spec came from.
  ModelSpec Model;
  TrainSpec Train;
  DataSpec Data;
  ExportSpec Export;
};

} // namespace hybc

#endif // HYBC_FRONTEND_SPEC_H
