//===- frontend/Schema.h - Shared facts about .hyb names --------*- C++ -*-===//
///
/// \file
/// The few schema facts that both sema and the `--set` override machinery
/// need: which call forms take positional arguments, which call a
/// call-valued field defaults to (so `model.skips.weights=virtual` can build
/// `skips = unet(weights = virtual)`), and the model field names that block
/// names must not shadow. Everything else about the schema lives in the
/// Sema*.cpp readers.
///
/// Example: `positionalParams("lzma")` is {"preset"}, so `lzma(9)` means
/// `lzma(preset = 9)`.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SCHEMA_H
#define HYBC_FRONTEND_SCHEMA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace hybc {

/// Names of the positional parameters of call form \p Callee, in order
/// (empty: named arguments only).
llvm::ArrayRef<llvm::StringRef> positionalParams(llvm::StringRef Callee);

/// The call a call-valued field named \p Field defaults to ("skips" ->
/// "unet", "clip" -> "sdclip", "calibration" -> "train", "compressor" ->
/// "lzma", "act" -> "relu2"), or "" when \p Field is not call-valued.
llvm::StringRef defaultCallFor(llvm::StringRef Field);

/// Every field name of the `model` section (block names may not use them).
llvm::ArrayRef<llvm::StringRef> modelFieldNames();

} // namespace hybc

#endif // HYBC_FRONTEND_SCHEMA_H
