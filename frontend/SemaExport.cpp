//===- frontend/SemaExport.cpp - The data and export sections ---*- C++ -*-===//
///
/// \file
/// Schema of `data { ... }` (shard globs and tokenizer) and
/// `export { ... }` (quantization bits, clipping rule, GPTQ calibration,
/// compressor and the artifact byte budget).
///
/// Example: `export { clip = sdclip(k = 12.85, k_embed = 20),
/// calibration = selfgen(seqs = 32, temp = 0.8), compressor = lzma(9) }`.
///
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

using namespace llvm;

namespace hybc {

void semaData(SemaContext &C, const ast::Stmt &Sec, DataSpec &D) {
  FieldReader R(C, Sec, "data");
  R.readString("train", D.TrainGlob);
  R.readString("val", D.ValGlob);
  if (R.readString("tokenizer", D.Tokenizer) && !D.Tokenizer.empty() &&
      !StringRef(D.Tokenizer).endswith(".model"))
    C.Diags.error(R.locOf("tokenizer"),
                  "tokenizer '" + D.Tokenizer +
                      "' must be a SentencePiece "
                      ".model file (hint: data/sample/fineweb_1024_bpe.model)");
  R.finish();
}

/// Returns the callee of a call-valued field, or "" after reporting.
static StringRef calleeOf(SemaContext &C, FieldReader &R, StringRef Field,
                          const ast::Value &V, ArrayRef<StringRef> Choices) {
  bool Named =
      V.Kind == ast::ValueKind::Ident || V.Kind == ast::ValueKind::Call;
  if (Named && is_contained(Choices, V.Str))
    return V.Str;
  std::string Expected = "one of " + Diagnostics::quoteList(Choices);
  if (!Named) {
    R.typeError(Field, V, Expected);
    return "";
  }
  C.Diags.error(V.Loc, "unknown value '" + V.Str + "' for '" +
                           R.qualify(Field) + "'" +
                           Diagnostics::suggest(V.Str, Choices) +
                           " (hint: expected " + Expected + ")");
  return "";
}

static void semaPercentiles(SemaContext &C, FieldReader &R, ExportSpec &E) {
  const ast::Value *V = R.get("values");
  if (!V)
    return;
  if (V->Kind != ast::ValueKind::List || V->Elems.empty() ||
      V->Elems.size() > 64)
    return R.typeError("values", *V,
                       "a list of 1 to 64 quantiles such as "
                       "[0.999, 0.9999, 1.0]");
  std::vector<double> Out;
  for (const ast::Value &Q : V->Elems) {
    double D = Q.Kind == ast::ValueKind::Int ? static_cast<double>(Q.IntVal)
                                             : Q.FloatVal;
    bool Num = Q.Kind == ast::ValueKind::Int || Q.Kind == ast::ValueKind::Float;
    if (!Num || !FloatRange::openClosed(0, 1).contains(D)) {
      C.Diags.error(Q.Loc, "clip quantiles must be numbers in (0, 1] (hint: "
                           "1.0 means the row's absolute maximum)");
      return;
    }
    Out.push_back(D);
  }
  E.Percentiles = std::move(Out);
}

static void semaClip(SemaContext &C, FieldReader &Export, ExportSpec &E) {
  const ast::Value *V = Export.get("clip");
  if (!V)
    return;
  StringRef K = calleeOf(C, Export, "clip", *V, {"sdclip", "percentile"});
  if (K.empty())
    return;
  FieldReader R(C, *V, "export.clip");
  if (K == "sdclip") {
    E.Clip = ClipMethod::SDClip;
    R.readFloat("k", E.SdClipK, FloatRange::above(0));
    R.readFloat("k_embed", E.SdClipKEmbed, FloatRange::above(0));
  } else {
    E.Clip = ClipMethod::Percentile;
    semaPercentiles(C, R, E);
  }
  R.finish();
}

static void semaCalibration(SemaContext &C, FieldReader &Export,
                            ExportSpec &E) {
  const ast::Value *V = Export.get("calibration");
  if (!V)
    return;
  StringRef K = calleeOf(C, Export, "calibration", *V, {"train", "selfgen"});
  if (K.empty())
    return;
  FieldReader R(C, *V, "export.calibration");
  E.Calib = K == "train" ? CalibSource::Train : CalibSource::SelfGen;
  R.readInt("seqs", E.CalibSeqs, 1, 1 << 20);
  R.readInt("seq_len", E.CalibSeqLen, 0, 1 << 20);
  if (E.Calib == CalibSource::SelfGen)
    R.readFloat("temp", E.CalibTemp, FloatRange::above(0));
  R.finish();
}

static void semaCompressor(SemaContext &C, FieldReader &Export, ExportSpec &E) {
  const ast::Value *V = Export.get("compressor");
  if (!V)
    return;
  StringRef K = calleeOf(C, Export, "compressor", *V, {"lzma", "zlib", "none"});
  if (K.empty())
    return;
  FieldReader R(C, *V, "export.compressor");
  E.Compress = K == "lzma"   ? Compressor::Lzma
               : K == "zlib" ? Compressor::Zlib
                             : Compressor::None;
  if (E.Compress == Compressor::Lzma)
    R.readInt("preset", E.LzmaPreset, 0, 9);
  R.finish();
}

void semaExport(SemaContext &C, const ast::Stmt &Sec, ExportSpec &E) {
  FieldReader R(C, Sec, "export");
  R.readInt("matrix_bits", E.MatrixBits, 2, 8);
  if (R.readInt("embed_bits", E.EmbedBits, 2, 16) && E.EmbedBits > 8 &&
      E.EmbedBits != 16)
    C.Diags.error(R.locOf("embed_bits"),
                  "embed_bits = " + Twine(E.EmbedBits) +
                      " is not supported (hint: 2..8 quantize the embedding; "
                      "16 keeps it as fp16)");
  R.readInt("scalar_keep", E.ScalarKeep, 0, INT64_MAX);
  R.readBool("gptq", E.Gptq);
  semaClip(C, R, E);
  semaCalibration(C, R, E);
  R.readInt("gptq_block", E.GptqBlock, 1, 1 << 16);
  R.readFloat("gptq_damp", E.GptqDamp, FloatRange::atLeast(0));
  semaCompressor(C, R, E);
  R.readInt("byte_budget", E.ByteBudget, 1, INT64_MAX);
  R.readBool("prune", E.Prune);
  R.finish();
}

} // namespace hybc
