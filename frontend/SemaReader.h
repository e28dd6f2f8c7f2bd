//===- frontend/SemaReader.h - Typed access to sections/calls ---*- C++ -*-===//
///
/// \file
/// `FieldReader` gives sema typed, range-checked access to the fields of one
/// section body or the arguments of one call. Each lookup registers the name
/// as known; `finish()` then reports every unconsumed name as unknown, with a
/// "did you mean" from the registered names, so the schema is exactly the set
/// of names a Sema*.cpp function asks for. Duplicates are reported when the
/// reader is built.
///
/// Example:
/// \code
///   FieldReader R(Ctx, MuonSection, "train.muon");
///   R.readFloat("lr", Out.Lr, FloatRange::atLeast(0));
///   R.finish(); // "unknown field 'lrr' in 'train.muon'; did you mean 'lr'?"
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SEMAREADER_H
#define HYBC_FRONTEND_SEMAREADER_H

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace hybc {

/// State shared by all sema functions of one run.
struct SemaContext {
  Diagnostics &Diags;
  /// The parser reported errors: skip "missing field" style checks that
  /// would only echo a statement the parser dropped.
  bool Partial = false;
};

/// Bounds of a floating-point field (all values must also be finite).
struct FloatRange {
  double Lo = -std::numeric_limits<double>::max();
  double Hi = std::numeric_limits<double>::max();
  bool LoOpen = false, HiOpen = false;

  static FloatRange any() { return {}; }
  static FloatRange atLeast(double L) {
    return {L, std::numeric_limits<double>::max(), false, false};
  }
  static FloatRange above(double L) {
    return {L, std::numeric_limits<double>::max(), true, false};
  }
  static FloatRange closed(double L, double H) { return {L, H, false, false}; }
  /// [L, H)
  static FloatRange halfOpen(double L, double H) { return {L, H, false, true}; }
  /// (L, H]
  static FloatRange openClosed(double L, double H) {
    return {L, H, true, false};
  }

  bool contains(double V) const;
  /// "0 <= lr", "0 < rope_fraction <= 1", ...
  std::string describe(llvm::StringRef Name) const;
};

/// Typed reader over a section body or a call's arguments.
class FieldReader {
public:
  /// Reads a section; block definitions are rejected unless AllowBlocks.
  FieldReader(SemaContext &Ctx, const ast::Stmt &Section, std::string Path,
              bool AllowBlocks = false);
  /// Reads the top level of a file (Path "").
  FieldReader(SemaContext &Ctx, const ast::File &F);
  /// Reads a call's arguments (an Ident reads as a call without arguments);
  /// positional arguments are named by positionalParams().
  FieldReader(SemaContext &Ctx, const ast::Value &Call, std::string Path);

  /// Registers \p Name; returns its value, or null when absent or a section.
  const ast::Value *get(llvm::StringRef Name);
  /// Registers \p Name; returns the nested section, or null.
  const ast::Stmt *getSection(llvm::StringRef Name);
  /// True when \p Name is present (registers it).
  bool has(llvm::StringRef Name);
  /// Location of \p Name's value, or of the owner when absent.
  llvm::SMLoc locOf(llvm::StringRef Name) const;
  llvm::SMLoc ownerLoc() const { return Owner; }
  /// "train.muon.lr" for Name "lr".
  std::string qualify(llvm::StringRef Name) const;

  /// Typed reads: leave \p Out unchanged when absent; report and return
  /// false on a wrong type or a value out of range.
  bool readInt(llvm::StringRef Name, int64_t &Out, int64_t Lo, int64_t Hi);
  bool readFloat(llvm::StringRef Name, double &Out, FloatRange R);
  bool readBool(llvm::StringRef Name, bool &Out);
  bool readString(llvm::StringRef Name, std::string &Out);
  /// Reads an identifier from \p Names; returns its index in \p Index.
  bool readChoice(llvm::StringRef Name, llvm::ArrayRef<llvm::StringRef> Names,
                  unsigned &Index);
  template <typename E>
  bool readEnum(llvm::StringRef Name, llvm::ArrayRef<llvm::StringRef> Names,
                E &Out) {
    unsigned I = 0;
    if (!readChoice(Name, Names, I))
      return false;
    Out = static_cast<E>(I);
    return true;
  }

  /// Notes a required field; finish() reports it when absent (not in
  /// partial mode, and not when a misspelling of it was reported).
  void require(llvm::StringRef Name, llvm::StringRef Example);
  /// Reports every name that no lookup asked for, then missing fields.
  void finish();

  /// Reports a wrong-type error for \p V ("expected X, got Y").
  void typeError(llvm::StringRef Name, const ast::Value &V,
                 llvm::StringRef Expected);

private:
  struct Entry {
    llvm::StringRef Name;
    llvm::SMLoc Loc;
    const ast::Value *Val = nullptr;
    const ast::Stmt *Sec = nullptr;
    bool Used = false;
  };
  void add(Entry E);
  void reportMissing(llvm::ArrayRef<std::string> Suggested);
  Entry *find(llvm::StringRef Name);
  const Entry *find(llvm::StringRef Name) const;

  SemaContext &Ctx;
  std::string Path;
  llvm::SMLoc Owner;
  bool IsCall = false;
  std::vector<Entry> Entries;
  llvm::SmallVector<llvm::StringRef, 16> Known;
  std::vector<std::pair<std::string, std::string>> Missing;
};

/// Decimal text of a numeric value for messages ("1.5", "-3").
std::string numberText(const ast::Value &V);
/// "%g" text of \p V for messages.
std::string formatNumber(double V);

} // namespace hybc

#endif // HYBC_FRONTEND_SEMAREADER_H
