//===- ir/ModelBuilder.cpp - Spec -> parameters of every layer ------------===//
//
// buildModel creates each Param once per physical layer (never per virtual
// layer), with PG names, optimizer groups, quant classes and init rules.
//
//===----------------------------------------------------------------------===//
#include "ir/Model.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace hybc;
using namespace hybc::ir;

namespace {

class ParamFactory {
public:
  ParamFactory(Model &M) : M(M), Keep(M.S.Export.ScalarKeep) {}

  QuantClass quantFor(const TensorType &Ty) const {
    return Ty.rank() == 2 && Ty.numel() > Keep ? QuantClass::Matrix
                                                : QuantClass::Passthrough;
  }

  /// A linear weight [Out, In]: Muon unless it is small, init by spec.
  Param *linear(const llvm::Twine &Name, int64_t Out, int64_t In,
                bool ZeroInit) {
    TensorType Ty(DType::F32, {Out, In});
    ParamInit Init;
    if (ZeroInit && M.S.Model.ZeroInitProj) {
      Init.K = ParamInit::Zeros;
    } else if (M.S.Model.Init == InitKind::Orthogonal &&
               std::min(Out, In) >= 16) {
      Init.K = ParamInit::Orthogonal;
      Init.A = 1.0;
    } else {
      Init.K = ParamInit::Uniform;
      Init.A = 1.0 / std::sqrt(static_cast<double>(In));
    }
    return M.Params.create(Name.str(), Ty, OptGroup::MuonMatrix, quantFor(Ty),
                           Init);
  }

  /// A control tensor (scales, mixes, gains, biases): Adam scalar group.
  Param *scalar(const llvm::Twine &Name, llvm::ArrayRef<int64_t> Shape,
                ParamInit Init) {
    TensorType Ty(DType::F32, Shape);
    return M.Params.create(Name.str(), Ty, OptGroup::AdamScalar, quantFor(Ty),
                           Init);
  }

  static ParamInit constant(double V) {
    ParamInit I;
    I.K = ParamInit::Constant;
    I.A = V;
    return I;
  }

private:
  Model &M;
  int64_t Keep;
};

void buildAttention(ParamFactory &F, const std::string &P,
                    const AttentionSpec &A, int64_t D, LayerParams &L) {
  int64_t Q = A.Heads * A.HeadDim, KV = A.KVHeads * A.HeadDim;
  L.Wq = F.linear(P + "attn.c_q.weight", Q, D, false);
  L.Wk = F.linear(P + "attn.c_k.weight", KV, D, false);
  L.Wv = F.linear(P + "attn.c_v.weight", KV, D, false);
  L.Wo = F.linear(P + "attn.proj.weight", D, Q, true);
  L.QGain = F.scalar(P + "attn.q_gain", {A.Heads},
                     ParamFactory::constant(A.QGainInit));
}

void buildMamba3(ParamFactory &F, const std::string &P, const Mamba3Spec &S,
                 int64_t D, LayerParams &L) {
  std::string Q = P + "mamba3.";
  L.InProj = F.linear(Q + "in_proj.weight", S.DProj, D, false);
  L.OutProj = F.linear(Q + "out_proj.weight", D, S.DInner, false);
  ParamInit Dt;
  Dt.K = ParamInit::DtBias;
  Dt.A = S.DtMin;
  Dt.B = S.DtMax;
  Dt.C = S.DtInitFloor;
  L.DtBias = F.scalar(Q + "dt_bias", {S.NHeads}, Dt);
  L.BBias = F.scalar(Q + "B_bias", {S.NHeads, S.DState},
                     ParamFactory::constant(1.0));
  L.CBias = F.scalar(Q + "C_bias", {S.NHeads, S.DState},
                     ParamFactory::constant(1.0));
  L.BNorm = F.scalar(Q + "B_norm.weight", {S.DState},
                     ParamFactory::constant(1.0));
  L.CNorm = F.scalar(Q + "C_norm.weight", {S.DState},
                     ParamFactory::constant(1.0));
  if (S.DSkip)
    L.D = F.scalar(Q + "D", {S.NHeads}, ParamFactory::constant(1.0));
  if (S.OutProjNorm)
    L.OutNorm = F.scalar(Q + "norm.weight", {S.DInner},
                         ParamFactory::constant(1.0));
}

void buildLayer(ParamFactory &F, const Spec &S, int I, int Block,
                LayerParams &L) {
  const BlockSpec &B = S.Model.Blocks[Block];
  int64_t D = S.Model.DModel;
  std::string P = llvm::formatv("blocks.{0}.", I).str();
  L.Kind = B.Kind;
  L.BlockIndex = Block;
  ParamInit Mix;
  Mix.K = ParamInit::ResidMix;
  L.ResidMix = F.scalar(P + "resid_mix", {2, D}, Mix);
  bool IsAttn = B.Kind == BlockKind::Attention;
  L.MixerScale = F.scalar(P + (IsAttn ? "attn_scale" : "m3_scale"), {D},
                          ParamFactory::constant(1.0));
  if (B.HasMlp)
    L.MlpScale = F.scalar(P + "mlp_scale", {D}, ParamFactory::constant(1.0));
  if (IsAttn)
    buildAttention(F, P, B.Attn, D, L);
  else
    buildMamba3(F, P, B.Mamba3, D, L);
  if (B.HasMlp) {
    L.Fc = F.linear(P + "mlp.fc.weight", B.Mlp.Hidden, D, false);
    L.Proj = F.linear(P + "mlp.proj.weight", D, B.Mlp.Hidden, true);
  }
}

/// Number of U-Net skip weights (see SkipWeightsRule).
int countSkipWeights(const ModelSpec &MS) {
  if (!MS.Skips.Enabled)
    return 0;
  int64_t N = MS.Layers.size();
  int64_t Phys = std::min(N / 2, N - N / 2);
  if (MS.Skips.Weights == SkipWeightsRule::Physical || !MS.Recurrence.Enabled)
    return Phys;
  const RecurrenceSpec &R = MS.Recurrence;
  int64_t V = N + R.Repeats * (R.Last - R.First + 1);
  return std::max(Phys, std::min(V / 2, V - V / 2));
}

void buildGlobals(ParamFactory &F, Model &M) {
  const ModelSpec &MS = M.S.Model;
  int64_t V = MS.Vocab, D = MS.DModel;
  ParamInit Emb;
  Emb.K = ParamInit::Normal;
  Emb.A = MS.Embed.Tied ? MS.Embed.InitStd : 1.0;
  M.Globals.TokEmb =
      M.Params.create("tok_emb.weight", TensorType(DType::F32, {V, D}),
                      OptGroup::AdamEmbed, QuantClass::Embedding, Emb);
  if (MS.Embed.BigramHash) {
    const EmbedSpec &E = MS.Embed;
    ParamInit T;
    T.K = ParamInit::Normal;
    T.A = E.BigramInitStd;
    TensorType Ty(DType::F32, {E.BigramBuckets, E.BigramDim});
    M.Globals.BigramTable = M.Params.create(
        "bigram_hash.table.weight", Ty, OptGroup::AdamScalar,
        Ty.numel() > M.S.Export.ScalarKeep ? QuantClass::Embedding
                                           : QuantClass::Passthrough,
        T);
    M.Globals.BigramProj =
        F.linear("bigram_hash.proj.weight", D, E.BigramDim, true);
  }
  if (MS.Embed.SmearGate)
    M.Globals.SmearGate = F.scalar("smeargate.gate", {D},
                                   ParamFactory::constant(MS.Embed.SmearInit));
}

} // namespace

llvm::Expected<std::unique_ptr<Model>> ir::buildModel(const Spec &S) {
  auto M = std::make_unique<Model>();
  M->S = S;
  if (S.Model.Layers.empty() || S.Model.Blocks.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: model has no layers", S.Path.c_str());
  ParamFactory F(*M);
  buildGlobals(F, *M);
  M->Layers.resize(S.Model.Layers.size());
  for (size_t I = 0; I < S.Model.Layers.size(); ++I)
    buildLayer(F, S, static_cast<int>(I), S.Model.Layers[I], M->Layers[I]);
  M->NumSkipWeights = countSkipWeights(S.Model);
  if (M->NumSkipWeights > 0)
    M->Globals.SkipWeights =
        F.scalar("skip_weights", {M->NumSkipWeights, S.Model.DModel},
                 ParamFactory::constant(1.0));
  if (!S.Model.Embed.Tied) {
    TensorType Ty(DType::F32, {S.Model.Vocab, S.Model.DModel});
    ParamInit Z;
    M->Globals.LmHead = M->Params.create("lm_head.weight", Ty,
                                         OptGroup::AdamHead,
                                         QuantClass::Matrix, Z);
  }
  return M;
}
