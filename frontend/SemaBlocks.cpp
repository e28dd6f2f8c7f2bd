//===- frontend/SemaBlocks.cpp - Block templates ----------------*- C++ -*-===//
///
/// \file
/// Schema of `block NAME = <mixer>(...) [+ mlp(...)]`: the Mamba-3 and
/// attention mixers and the MLP, with the derived sizes every later stage
/// uses (d_inner, nheads, rotary angles, in_proj width, head_dim, rope dims,
/// MLP hidden width).
///
/// Example: `block M = mamba3(d_state = 64, expand = 2, headdim = 64)` with
/// d_model 512 gives DInner 1024, NHeads 16, NumRopeAngles 16, DProj 2240.
///
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

#include <cmath>

using namespace llvm;

namespace hybc {

/// Mamba-3 derived sizes (docs mamba3.md; `Mamba3.__init__`).
static void deriveMamba3(SemaContext &C, FieldReader &R, int64_t DModel,
                         Mamba3Spec &S) {
  S.DInner = S.Expand * DModel;
  if (S.DInner % S.HeadDim != 0)
    return C.Diags.error(
        R.locOf("headdim"),
        "headdim = " + Twine(S.HeadDim) +
            " does not divide d_inner = expand * d_model = " + Twine(S.DInner) +
            " (hint: use a divisor such as 64)");
  S.NHeads = S.DInner / S.HeadDim;
  if (S.NHeads % S.NGroups != 0)
    return C.Diags.error(
        R.locOf("ngroups"),
        "ngroups = " + Twine(S.NGroups) +
            " does not divide nheads = d_inner / headdim = " + Twine(S.NHeads) +
            " (hint: ngroups = 1 shares B/C "
            "across all heads)");
  int64_t Split =
      static_cast<int64_t>(static_cast<double>(S.DState) * S.RopeFraction);
  if (Split % 2 != 0)
    --Split;
  S.NumRopeAngles = Split / 2;
  if (S.NumRopeAngles <= 0)
    return C.Diags.error(R.locOf("rope_fraction"),
                         "d_state * rope_fraction gives no rotary angle pair "
                         "(hint: need d_state * rope_fraction >= 2)");
  S.DProj =
      2 * S.DInner + 2 * S.NGroups * S.DState + 3 * S.NHeads + S.NumRopeAngles;
}

static void semaMamba3(SemaContext &C, const ast::Value &Term,
                       const std::string &Path, int64_t DModel, bool DModelOk,
                       Mamba3Spec &S) {
  FieldReader R(C, Term, Path);
  bool Ok = true;
  if (R.readInt("d_state", S.DState, 2, 4096) && S.DState % 2 != 0) {
    C.Diags.error(R.locOf("d_state"),
                  "d_state = " + Twine(S.DState) +
                      " must be even (hint: rotary angles pair up state "
                      "dimensions; 64 or 128 are usual)");
    Ok = false;
  }
  Ok &= !R.has("expand") || R.readInt("expand", S.Expand, 1, 64);
  Ok &= !R.has("headdim") || R.readInt("headdim", S.HeadDim, 1, 4096);
  Ok &= !R.has("ngroups") || R.readInt("ngroups", S.NGroups, 1, 4096);
  R.readInt("chunk", S.Chunk, 1, 4096);
  Ok &= !R.has("rope_fraction") || R.readFloat("rope_fraction", S.RopeFraction,
                                               FloatRange::openClosed(0, 1));
  R.readEnum("a_act", {"softplus", "heavy_tail"}, S.AAct);
  R.readFloat("a_floor", S.AFloor, FloatRange::atLeast(0));
  R.readBool("outproj_norm", S.OutProjNorm);
  R.readBool("d_skip", S.DSkip);
  R.readFloat("dt_min", S.DtMin, FloatRange::above(0));
  R.readFloat("dt_max", S.DtMax, FloatRange::above(0));
  R.readFloat("dt_init_floor", S.DtInitFloor, FloatRange::atLeast(0));
  R.readFloat("norm_eps", S.NormEps, FloatRange::above(0));
  R.finish();
  if (S.DtMin > S.DtMax)
    C.Diags.error(R.locOf("dt_min"),
                  "dt_min = " + formatNumber(S.DtMin) +
                      " is larger than dt_max = " + formatNumber(S.DtMax) +
                      " (hint: dt is sampled in "
                      "[dt_min, dt_max])");
  if (Ok && DModelOk)
    deriveMamba3(C, R, DModel, S);
}

static void deriveAttention(SemaContext &C, FieldReader &R, int64_t DModel,
                            AttentionSpec &A) {
  if (DModel % A.Heads != 0)
    return C.Diags.error(R.locOf("heads"),
                         "heads = " + Twine(A.Heads) +
                             " does not divide d_model = " + Twine(DModel) +
                             " (hint: head_dim = d_model / heads must be a "
                             "whole number, e.g. heads = 8)");
  if (A.Heads % A.KVHeads != 0)
    return C.Diags.error(R.locOf("kv_heads"),
                         "kv_heads = " + Twine(A.KVHeads) +
                             " does not divide heads = " + Twine(A.Heads) +
                             " (hint: each kv head serves heads / kv_heads "
                             "query heads)");
  A.HeadDim = DModel / A.Heads;
  if (A.HeadDim % 2 != 0)
    return C.Diags.error(R.locOf("heads"),
                         "head_dim = d_model / heads = " + Twine(A.HeadDim) +
                             " must be even for RoPE (hint: pick heads so "
                             "that d_model / heads is even)");
  int64_t Rope =
      static_cast<int64_t>(static_cast<double>(A.HeadDim) * A.RopeFraction) /
      2 * 2;
  A.RopeDims = std::max<int64_t>(2, Rope);
}

static void semaAttention(SemaContext &C, const ast::Value &Term,
                          const std::string &Path, int64_t DModel,
                          bool DModelOk, AttentionSpec &A) {
  FieldReader R(C, Term, Path);
  bool Ok = !R.has("heads") || R.readInt("heads", A.Heads, 1, 4096);
  Ok &= !R.has("kv_heads") || R.readInt("kv_heads", A.KVHeads, 1, 4096);
  R.readFloat("rope_base", A.RopeBase, FloatRange::above(0));
  Ok &= !R.has("rope_fraction") || R.readFloat("rope_fraction", A.RopeFraction,
                                               FloatRange::openClosed(0, 1));
  R.readBool("qk_norm", A.QKNorm);
  R.readEnum("rope_tables", {"exact", "compiled", "eager"}, A.RopeTables);
  R.readFloat("q_gain", A.QGainInit, FloatRange::any());
  R.readEnum("v_act", {"none", "silu"}, A.VAct);
  R.finish();
  if (Ok && DModelOk)
    deriveAttention(C, R, DModel, A);
}

static void semaMlpAct(SemaContext &C, FieldReader &Mlp,
                       const std::string &Path, MlpSpec &M) {
  const ast::Value *V = Mlp.get("act");
  if (!V)
    return;
  bool Named =
      V->Kind == ast::ValueKind::Ident || V->Kind == ast::ValueKind::Call;
  if (Named && V->Str == "relu2" && V->Kind == ast::ValueKind::Ident) {
    M.Act = MlpActivation::Relu2;
    return;
  }
  if (!Named || V->Str != "leaky_relu2")
    return Mlp.typeError("act", *V, "relu2 or leaky_relu2(slope)");
  M.Act = MlpActivation::LeakyRelu2;
  FieldReader R(C, *V, Path + ".act");
  R.readFloat("slope", M.Slope, FloatRange::closed(0, 1));
  R.finish();
}

static void semaMlp(SemaContext &C, const ast::Value &Term,
                    const std::string &Path, int64_t DModel, bool DModelOk,
                    MlpSpec &M) {
  FieldReader R(C, Term, Path);
  bool Ok = !R.has("mult") ||
            R.readFloat("mult", M.Mult, FloatRange::openClosed(0, 64));
  semaMlpAct(C, R, Path, M);
  R.finish();
  if (!Ok || !DModelOk)
    return;
  M.Hidden = static_cast<int64_t>(M.Mult * static_cast<double>(DModel));
  if (M.Hidden < 1)
    C.Diags.error(R.locOf("mult"), "mlp hidden width int(mult * d_model) is 0 "
                                   "(hint: increase mult)");
}

void semaBlock(SemaContext &C, const ast::Stmt &Def, int64_t DModel,
               bool DModelOk, BlockSpec &B) {
  B.Name = Def.Name;
  B.HasMlp = false;
  const ast::Value *Mixer = nullptr;
  bool Reported = false; // A bad term makes "no mixer" an echo.
  for (const ast::Value &T : Def.Terms) {
    if (T.Bad) {
      Reported = true;
      continue;
    }
    bool Named =
        T.Kind == ast::ValueKind::Ident || T.Kind == ast::ValueKind::Call;
    std::string Path = "model." + Def.Name + "." + T.Str;
    if (Named && (T.Str == "mamba3" || T.Str == "attention")) {
      if (Mixer) {
        C.Diags.error(T.Loc, "block '" + Def.Name + "' has two mixers ('" +
                                 Mixer->Str + "' and '" + T.Str +
                                 "') (hint: a block is one mixer plus an "
                                 "optional mlp)");
        continue;
      }
      Mixer = &T;
      B.Kind = T.Str == "mamba3" ? BlockKind::Mamba3 : BlockKind::Attention;
      if (B.Kind == BlockKind::Mamba3)
        semaMamba3(C, T, Path, DModel, DModelOk, B.Mamba3);
      else
        semaAttention(C, T, Path, DModel, DModelOk, B.Attn);
    } else if (Named && T.Str == "mlp") {
      if (B.HasMlp) {
        C.Diags.error(T.Loc, "block '" + Def.Name +
                                 "' has two mlps (hint: "
                                 "keep one mlp(...))");
        continue;
      }
      B.HasMlp = true;
      semaMlp(C, T, Path, DModel, DModelOk, B.Mlp);
    } else if (Named) {
      Reported = true;
      C.Diags.error(
          T.Loc,
          "unknown block kind '" + T.Str + "'" +
              Diagnostics::suggest(T.Str, {"mamba3", "attention", "mlp"}) +
              " (hint: blocks are mamba3(...) or attention(...)"
              ", optionally + mlp(...))");
    } else {
      Reported = true;
      C.Diags.error(T.Loc, "expected a block kind such as mamba3(...), got " +
                               ast::describe(T.Kind));
    }
  }
  if (!Mixer && !Reported && !C.Partial)
    C.Diags.error(Def.NameLoc, "block '" + Def.Name +
                                   "' has no mixer (hint: "
                                   "block " +
                                   Def.Name + " = mamba3(...) + mlp(...))");
}

} // namespace hybc
