//===- frontend/Overrides.h - --set dotted.path=value -----------*- C++ -*-===//
///
/// \file
/// Applies command-line overrides to the parsed AST before sema, so an
/// override is checked exactly like the same text written in the file and
/// its errors point into the override itself (buffer "--set #N").
///
/// Path scheme (see docs/hyb-language.md, "Overrides"):
///   section.field                 train.seq_len=2048
///   section.sub.field             train.muon.lr=0.02
///   model.BLOCK.component.arg     model.M.mamba3.d_state=32
///   model.BLOCK                   model.M=mamba3(d_state=32)+mlp(mult=3)
///   field.arg of a call value     model.skips.weights=virtual,
///                                 export.clip.k=11.5,
///                                 model.A.mlp.act.slope=0.3
/// A missing section or call is created (with its default call, e.g.
/// `skips = unet(...)`); a missing field is appended.
///
/// Example:
/// \code
///   applyOverrides({"train.muon.lr=0.02", "model.layers=\"MMAM\""}, D, File);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_OVERRIDES_H
#define HYBC_FRONTEND_OVERRIDES_H

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace hybc {

/// Parses and applies each override in order; errors go to \p D.
void applyOverrides(llvm::ArrayRef<std::string> Overrides, Diagnostics &D,
                    ast::File &F);

} // namespace hybc

#endif // HYBC_FRONTEND_OVERRIDES_H
