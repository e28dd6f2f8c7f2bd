//===- frontend/Schema.cpp - Shared facts about .hyb names ------*- C++ -*-===//
///
/// \file
/// Static tables behind Schema.h.
///
//===----------------------------------------------------------------------===//
#include "frontend/Schema.h"

#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace hybc {

ArrayRef<StringRef> positionalParams(StringRef Callee) {
  static const StringRef Slope[] = {"slope"};
  static const StringRef Preset[] = {"preset"};
  static const StringRef Values[] = {"values"};
  static const StringRef SdClip[] = {"k", "k_embed"};
  static const StringRef Seqs[] = {"seqs"};
  if (Callee == "leaky_relu2")
    return Slope;
  if (Callee == "lzma")
    return Preset;
  if (Callee == "percentile")
    return Values;
  if (Callee == "sdclip")
    return SdClip;
  if (Callee == "train" || Callee == "selfgen")
    return Seqs;
  return {};
}

StringRef defaultCallFor(StringRef Field) {
  return StringSwitch<StringRef>(Field)
      .Case("skips", "unet")
      .Case("clip", "sdclip")
      .Case("calibration", "train")
      .Case("compressor", "lzma")
      .Case("act", "relu2")
      .Default("");
}

ArrayRef<StringRef> modelFieldNames() {
  static const StringRef Names[] = {
      "vocab", "d_model",       "embed",    "layers", "recurrence",
      "skips", "logit_softcap", "norm_eps", "init",   "zero_init_proj"};
  return Names;
}

} // namespace hybc
