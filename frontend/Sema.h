//===- frontend/Sema.h - .hyb semantic analysis -----------------*- C++ -*-===//
///
/// \file
/// Sema walks the generic AST against the .hyb schema (the names each
/// Sema*.cpp reader asks for), reports unknown names, wrong types, values out
/// of range and inconsistent combinations, and fills a `Spec` with every
/// default and every derived size. The schema is split by section:
/// SemaModel.cpp (model, embed, layers, recurrence, skips), SemaBlocks.cpp
/// (block templates: mamba3, attention, mlp), SemaTrain.cpp (train) and
/// SemaExport.cpp (data, export); Sema.cpp holds the entry point and the
/// cross-section checks.
///
/// Example:
/// \code
///   SemaContext Ctx{Diags, /*Partial=*/Diags.errorCount() > 0};
///   Spec S;
///   runSema(File, Ctx, S); // Diags.errorCount() == 0 on success
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SEMA_H
#define HYBC_FRONTEND_SEMA_H

#include "frontend/AST.h"
#include "frontend/SemaReader.h"
#include "frontend/Spec.h"

namespace hybc {

/// Checks \p F and fills \p Out (defaults, then file values, then derived
/// fields). Errors are reported to Ctx.Diags; \p Out is meaningful only when
/// no error was reported.
void runSema(const ast::File &F, SemaContext &Ctx, Spec &Out);

/// The `model` section (SemaModel.cpp).
void semaModel(SemaContext &Ctx, const ast::Stmt &Sec, ModelSpec &M);
/// One `block NAME = ...` definition (SemaBlocks.cpp). \p DModelOk is false
/// when d_model itself was invalid (derived checks are then skipped).
void semaBlock(SemaContext &Ctx, const ast::Stmt &Def, int64_t DModel,
               bool DModelOk, BlockSpec &Out);
/// The `train` section (SemaTrain.cpp); \p Tied picks the embed_lr default.
void semaTrain(SemaContext &Ctx, const ast::Stmt &Sec, bool Tied, TrainSpec &T);
/// The `data` section (SemaExport.cpp).
void semaData(SemaContext &Ctx, const ast::Stmt &Sec, DataSpec &D);
/// The `export` section (SemaExport.cpp).
void semaExport(SemaContext &Ctx, const ast::Stmt &Sec, ExportSpec &E);

/// 1-based line of \p Loc (0 when it is not in any buffer).
unsigned lineOf(SemaContext &Ctx, llvm::SMLoc Loc);

} // namespace hybc

#endif // HYBC_FRONTEND_SEMA_H
