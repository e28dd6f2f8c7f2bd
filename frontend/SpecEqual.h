//===- frontend/SpecEqual.h - Field-by-field Spec comparison ----*- C++ -*-===//
///
/// \file
/// Compares two Specs field by field and names the first difference. Used by
/// the printer round-trip tests and by anything that must check that a
/// checkpoint or artifact was produced from the same spec. Source positions
/// (Spec::Path, BlockSpec::Line, ModelSpec::LayersLine,
/// RecurrenceSpec::Line) are ignored: they describe where a spec was written,
/// not what it says.
///
/// Example:
/// \code
///   std::string Diff;
///   if (!specsEqual(A, B, &Diff))
///     errs() << "specs differ at " << Diff << "\n"; // "train.muon.lr"
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SPECEQUAL_H
#define HYBC_FRONTEND_SPECEQUAL_H

#include "frontend/Spec.h"

#include <string>
#include <vector>

namespace hybc {

/// True when \p A and \p B agree on every field except source positions;
/// otherwise stores the dotted name of the first differing field in
/// \p FirstDiff (when non-null).
bool specsEqual(const Spec &A, const Spec &B, std::string *FirstDiff = nullptr);

/// Dotted names of every field on which \p A and \p B differ, in Spec.h
/// order (block fields only for blocks present in both).
std::vector<std::string> specDifferences(const Spec &A, const Spec &B);

/// Dotted names of every compared field of \p S (one per block field per
/// block), in the order specDifferences reports them.
std::vector<std::string> specFieldNames(const Spec &S);

} // namespace hybc

#endif // HYBC_FRONTEND_SPECEQUAL_H
