//===- frontend/Diagnostics.h - .hyb error reporting ------------*- C++ -*-===//
///
/// \file
/// A thin engine over `llvm::SourceMgr` that prints every diagnostic as
/// `file:line:col: error: msg` followed by the source line and a caret, and
/// counts them. All stages (lexer, parser, overrides, sema) report through one
/// `Diagnostics` so a single run collects every error of a spec. After
/// `kMaxErrors` errors further ones are dropped (binary junk would otherwise
/// flood the output). `suggest` finds the "did you mean" candidate.
///
/// Example:
/// \code
///   Diagnostics D(SM, llvm::errs());
///   D.error(Loc, "unknown field 'lrr' in 'train.muon'" + D.suggest("lrr",
///   Names));
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_DIAGNOSTICS_H
#define HYBC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace hybc {

/// Collects and prints diagnostics for one spec load.
class Diagnostics {
public:
  /// Errors after this many are counted but not printed.
  static constexpr unsigned kMaxErrors = 50;

  Diagnostics(llvm::SourceMgr &SM, llvm::raw_ostream &OS) : SM(SM), OS(OS) {}

  /// Reports an error at \p Loc (which must point into a buffer of the
  /// SourceMgr, or be invalid for a file-level error).
  void error(llvm::SMLoc Loc, const llvm::Twine &Msg);
  /// Reports a warning (does not make the load fail).
  void warning(llvm::SMLoc Loc, const llvm::Twine &Msg);
  /// Attaches a note to the previous diagnostic (suppressed with it).
  void note(llvm::SMLoc Loc, const llvm::Twine &Msg);
  /// Reports an error that has no source position (e.g. unreadable file).
  void fileError(llvm::StringRef File, const llvm::Twine &Msg);

  unsigned errorCount() const { return Errors; }
  unsigned warningCount() const { return Warnings; }
  llvm::SourceMgr &sourceMgr() { return SM; }

  /// Returns "; did you mean 'x'?" for the closest of \p Candidates within a
  /// small edit distance of \p Name, or "" when nothing is close.
  static std::string suggest(llvm::StringRef Name,
                             llvm::ArrayRef<llvm::StringRef> Candidates);
  /// The candidate `suggest` would name, or "".
  static llvm::StringRef bestMatch(llvm::StringRef Name,
                                   llvm::ArrayRef<llvm::StringRef> Candidates);
  /// Joins names as "'a', 'b', 'c'" for "expected one of" hints.
  static std::string quoteList(llvm::ArrayRef<llvm::StringRef> Names);

private:
  void emit(llvm::SMLoc Loc, llvm::SourceMgr::DiagKind Kind,
            const llvm::Twine &Msg);
  /// Prints a diagnostic on a very long line with an excerpt instead of
  /// the whole line; returns false when the line is short.
  bool emitLongLine(llvm::SMLoc Loc, llvm::SourceMgr::DiagKind Kind,
                    const llvm::Twine &Msg);

  llvm::SourceMgr &SM;
  llvm::raw_ostream &OS;
  unsigned Errors = 0;
  unsigned Warnings = 0;
  bool LastSuppressed = false;
};

} // namespace hybc

#endif // HYBC_FRONTEND_DIAGNOSTICS_H
