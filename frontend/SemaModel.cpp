//===- frontend/SemaModel.cpp - The model section ---------------*- C++ -*-===//
///
/// \file
/// Schema of `model { ... }`: sizes, embedding, block templates (delegated to
/// SemaBlocks.cpp), the physical layer pattern, depth recurrence, U-Net skips
/// and the head options.
///
/// Example: `layers = "MMAMMAM"` resolves each character to the index of the
/// block of that name; `recurrence { layers = 3..4, repeats = 2 }` must name
/// physical layers of that pattern.
///
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

#include "frontend/Schema.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace llvm;

namespace hybc {

namespace {
/// Layer pattern limit: far beyond any PG model, small enough to be cheap.
constexpr int64_t kMaxLayers = 1024;
} // namespace

static void semaBigram(SemaContext &C, const ast::Stmt &Sec, EmbedSpec &E) {
  FieldReader R(C, Sec, "model.embed.bigram_hash");
  E.BigramHash = true;
  R.readBool("enabled", E.BigramHash);
  R.readInt("buckets", E.BigramBuckets, 1, 1 << 24);
  R.readInt("dim", E.BigramDim, 1, 1 << 16);
  R.readFloat("init_std", E.BigramInitStd, FloatRange::atLeast(0));
  R.finish();
}

static void semaEmbed(SemaContext &C, const ast::Stmt &Sec, EmbedSpec &E) {
  FieldReader R(C, Sec, "model.embed");
  R.readBool("tied", E.Tied);
  R.readFloat("init_std", E.InitStd, FloatRange::atLeast(0));
  R.readBool("smear_gate", E.SmearGate);
  R.readFloat("smear_init", E.SmearInit, FloatRange::any());
  if (const ast::Stmt *B = R.getSection("bigram_hash"))
    semaBigram(C, *B, E);
  R.finish();
}

/// Defines every block, rejecting duplicate names and names that shadow a
/// model field. \p DefLocs receives each block's name location.
static void semaBlocks(SemaContext &C, const ast::Stmt &Sec, ModelSpec &M,
                       bool DModelOk, StringMap<int> &Index,
                       std::vector<SMLoc> &DefLocs) {
  for (const ast::Stmt &S : Sec.Body) {
    if (S.Kind != ast::StmtKind::Block)
      continue;
    if (is_contained(modelFieldNames(), S.Name)) {
      C.Diags.error(S.NameLoc,
                    "block name '" + S.Name +
                        "' clashes with the "
                        "model field of that name (hint: use a short "
                        "name such as M or A)");
      continue;
    }
    auto It = Index.find(S.Name);
    if (It != Index.end()) {
      C.Diags.error(S.NameLoc, "duplicate block name '" + S.Name +
                                   "' (hint: give each block its own name)");
      C.Diags.note(DefLocs[It->second], "first defined here");
      continue;
    }
    BlockSpec B;
    semaBlock(C, S, M.DModel, DModelOk, B);
    B.Line = lineOf(C, S.NameLoc);
    Index[S.Name] = static_cast<int>(M.Blocks.size());
    DefLocs.push_back(S.NameLoc);
    M.Blocks.push_back(std::move(B));
  }
}

static std::string definedBlocks(const ModelSpec &M) {
  std::string Out;
  for (const BlockSpec &B : M.Blocks)
    Out += (Out.empty() ? "'" : ", '") + B.Name + "'";
  return Out.empty() ? "none (hint: define one with block M = mamba3(...))"
                     : "defined blocks: " + Out;
}

static void undefinedLayer(SemaContext &C, SMLoc Loc, StringRef Name,
                           size_t Layer, const ModelSpec &M) {
  if (C.Partial)
    return; // The definition may be a statement the parser dropped.
  C.Diags.error(Loc, "layer " + Twine(Layer) + " uses '" + Name +
                         "', which is not a defined block (hint: " +
                         definedBlocks(M) + ")");
}

static void semaLayers(SemaContext &C, const ast::Value &V, ModelSpec &M,
                       const StringMap<int> &Index) {
  M.LayersLine = lineOf(C, V.Loc);
  size_t N = V.Kind == ast::ValueKind::String ? V.Str.size() : V.Elems.size();
  if (V.Kind != ast::ValueKind::String && V.Kind != ast::ValueKind::List) {
    C.Diags.error(V.Loc,
                  "wrong type for 'model.layers': expected a string "
                  "such as \"MMAM\" or a list such as [M, M, A], got " +
                      ast::describe(V.Kind) +
                      (V.Kind == ast::ValueKind::Ident
                           ? " (hint: quote the pattern: \"" + V.Str + "\")"
                           : std::string()));
    return;
  }
  if (N == 0 || N > static_cast<size_t>(kMaxLayers)) {
    C.Diags.error(V.Loc, "'model.layers' has " + Twine(N) +
                             " layers (hint: "
                             "expected 1 to " +
                             Twine(kMaxLayers) + ")");
    return;
  }
  for (size_t I = 0; I < N; ++I) {
    std::string Name;
    SMLoc Loc = V.Loc;
    if (V.Kind == ast::ValueKind::String) {
      Name = std::string(1, V.Str[I]);
      if (!V.HadEscapes) // Point at the character itself.
        Loc = SMLoc::getFromPointer(V.Loc.getPointer() + 1 + I);
    } else if (V.Elems[I].Kind == ast::ValueKind::Ident) {
      Name = V.Elems[I].Str;
      Loc = V.Elems[I].Loc;
    } else {
      C.Diags.error(V.Elems[I].Loc, "'model.layers' list entries must be "
                                    "block names, got " +
                                        ast::describe(V.Elems[I].Kind));
      continue;
    }
    auto It = Index.find(Name);
    if (It == Index.end()) {
      undefinedLayer(C, Loc, Name, I, M);
      continue;
    }
    M.Layers.push_back(It->second);
  }
}

static void semaRecurRange(SemaContext &C, FieldReader &R, RecurrenceSpec &Rec,
                           int64_t NumLayers) {
  const ast::Value *V = R.get("layers");
  if (!V) {
    if (Rec.Enabled)
      R.require("layers", "layers = 3..4");
    return;
  }
  bool IsRange = V->Kind == ast::ValueKind::Range &&
                 V->Elems[0].Kind == ast::ValueKind::Int &&
                 V->Elems[1].Kind == ast::ValueKind::Int;
  if (!IsRange && V->Kind != ast::ValueKind::Int)
    return R.typeError("layers", *V, "a layer range such as 3..4");
  Rec.First = IsRange ? V->Elems[0].IntVal : V->IntVal;
  Rec.Last = IsRange ? V->Elems[1].IntVal : V->IntVal;
  if (Rec.First > Rec.Last)
    return C.Diags.error(V->Loc, "recurrence layers " + Twine(Rec.First) +
                                     ".." + Twine(Rec.Last) +
                                     " run backwards (hint: write the first "
                                     "layer first, e.g. 3..4)");
  if (NumLayers > 0 && (Rec.First < 0 || Rec.Last >= NumLayers))
    C.Diags.error(V->Loc, "recurrence layers " + Twine(Rec.First) + ".." +
                              Twine(Rec.Last) + " are outside the " +
                              Twine(NumLayers) +
                              " physical layers (hint: "
                              "valid indices are 0.." +
                              Twine(NumLayers - 1) + ")");
}

static void semaRecurrence(SemaContext &C, const ast::Stmt &Sec, ModelSpec &M) {
  FieldReader R(C, Sec, "model.recurrence");
  RecurrenceSpec &Rec = M.Recurrence;
  Rec.Enabled = true;
  Rec.Line = lineOf(C, Sec.NameLoc);
  R.readBool("enabled", Rec.Enabled);
  int64_t NumLayers = Rec.Enabled ? static_cast<int64_t>(M.Layers.size()) : 0;
  semaRecurRange(C, R, Rec, NumLayers);
  R.readInt("repeats", Rec.Repeats, 1, 64);
  R.readFloat("start", Rec.Start, FloatRange::closed(0, 1));
  R.readEnum("unit", {"steps", "wallclock"}, Rec.Unit);
  R.finish();
}

static void semaSkips(SemaContext &C, FieldReader &Model, SkipSpec &S) {
  const ast::Value *V = Model.get("skips");
  if (!V)
    return;
  bool Named =
      V->Kind == ast::ValueKind::Ident || V->Kind == ast::ValueKind::Call;
  if (Named && V->Str == "none" && V->Kind == ast::ValueKind::Ident) {
    S.Enabled = false;
    return;
  }
  if (!Named || V->Str != "unet") {
    std::string Got = Named ? "'" + V->Str + "'" : ast::describe(V->Kind).str();
    C.Diags.error(
        V->Loc,
        "unknown skips kind " + Got +
            (Named ? Diagnostics::suggest(V->Str, {"unet", "none"}) : "") +
            " (hint: skips = unet, skips = unet(weights = "
            "virtual, overflow = drop) or skips = none)");
    return;
  }
  S.Enabled = true;
  FieldReader R(C, *V, "model.skips");
  R.readEnum("weights", {"physical", "virtual"}, S.Weights);
  R.readEnum("overflow", {"stack", "drop", "clamp"}, S.Overflow);
  R.finish();
}

void semaModel(SemaContext &C, const ast::Stmt &Sec, ModelSpec &M) {
  FieldReader R(C, Sec, "model", /*AllowBlocks=*/true);
  R.require("vocab", "vocab = 1024");
  R.require("d_model", "d_model = 512");
  R.require("layers", "layers = \"AAAA\" naming blocks defined with "
                      "block A = attention(...)");
  R.readInt("vocab", M.Vocab, 1, 65536);
  bool DModelOk =
      !R.has("d_model") || R.readInt("d_model", M.DModel, 1, 1 << 16);
  if (const ast::Stmt *E = R.getSection("embed"))
    semaEmbed(C, *E, M.Embed);
  StringMap<int> Index;
  std::vector<SMLoc> DefLocs;
  semaBlocks(C, Sec, M, DModelOk, Index, DefLocs);
  if (const ast::Value *L = R.get("layers"))
    semaLayers(C, *L, M, Index);
  if (const ast::Stmt *Rec = R.getSection("recurrence"))
    semaRecurrence(C, *Rec, M);
  semaSkips(C, R, M.Skips);
  R.readFloat("logit_softcap", M.LogitSoftcap, FloatRange::atLeast(0));
  R.readFloat("norm_eps", M.NormEps, FloatRange::above(0));
  R.readEnum("init", {"default", "orthogonal"}, M.Init);
  R.readBool("zero_init_proj", M.ZeroInitProj);
  R.finish();
  if (C.Diags.errorCount() != 0)
    return; // An unused block is then most likely a symptom, not a choice.
  for (size_t I = 0; I < M.Blocks.size(); ++I)
    if (!is_contained(M.Layers, static_cast<int>(I)))
      C.Diags.warning(DefLocs[I], "block '" + M.Blocks[I].Name +
                                      "' is defined but no layer uses it");
}

} // namespace hybc
