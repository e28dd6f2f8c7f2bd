//===- frontend/Frontend.h - Public API of hybc_frontend --------*- C++ -*-===//
///
/// \file
/// Loads a `.hyb` spec into a fully resolved `Spec`: read the file, lex,
/// parse, apply `--set` overrides, run sema. Every diagnostic is printed to
/// the given stream as `file:line:col: error: message` with the source line
/// and a caret; on any error the returned Error carries a one-line summary
/// (`spec.hyb: 3 errors`). The language is documented in
/// docs/hyb-language.md.
///
/// Example:
/// \code
///   llvm::Expected<Spec> S =
///       loadSpec("examples/tiny.hyb", {"train.muon.lr=0.02"}, llvm::errs());
///   if (!S)
///     return S.takeError();
///   printResolvedSpec(*S, llvm::outs()); // every default filled in
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_FRONTEND_H
#define HYBC_FRONTEND_FRONTEND_H

#include "frontend/Spec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace hybc {

/// Largest accepted spec text, in bytes.
constexpr size_t kMaxSpecBytes = 1 << 20;

/// Reads, parses and checks the spec at \p Path with \p Overrides
/// (`dotted.path=value`) applied; diagnostics go to \p Diag. An unreadable
/// or oversized file prints nothing: the returned Error names it.
llvm::Expected<Spec> loadSpec(llvm::StringRef Path,
                              llvm::ArrayRef<std::string> Overrides,
                              llvm::raw_ostream &Diag);

/// Like loadSpec, for spec text held in memory; \p Name is the file name
/// used in diagnostics and stored in Spec::Path.
llvm::Expected<Spec> parseSpecString(llvm::StringRef Text, llvm::StringRef Name,
                                     llvm::ArrayRef<std::string> Overrides,
                                     llvm::raw_ostream &Diag);

/// Prints \p S as valid `.hyb` text with every field spelled out; parsing
/// the output gives back an identical Spec (source line numbers aside).
void printResolvedSpec(const Spec &S, llvm::raw_ostream &OS);

} // namespace hybc

#endif // HYBC_FRONTEND_FRONTEND_H
