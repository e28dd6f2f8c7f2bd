//===- frontend/SemaReader.cpp - Typed access to sections/calls -*- C++ -*-===//
///
/// \file
/// Entry collection (with duplicate detection), typed reads with range
/// checks, and the unknown-name report of `FieldReader`.
///
//===----------------------------------------------------------------------===//
#include "frontend/SemaReader.h"

#include "frontend/Schema.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace llvm;

namespace hybc {

bool FloatRange::contains(double V) const {
  if (!std::isfinite(V))
    return false;
  bool LoOk = LoOpen ? V > Lo : V >= Lo;
  bool HiOk = HiOpen ? V < Hi : V <= Hi;
  return LoOk && HiOk;
}

std::string formatNumber(double V) {
  std::string S;
  raw_string_ostream OS(S);
  OS << format("%g", V);
  return OS.str();
}

static std::string num(double V) { return formatNumber(V); }

std::string FloatRange::describe(StringRef Name) const {
  std::string Out;
  if (Lo > -std::numeric_limits<double>::max())
    Out += num(Lo) + (LoOpen ? " < " : " <= ");
  Out += Name.str();
  if (Hi < std::numeric_limits<double>::max())
    Out += (HiOpen ? " < " : " <= ") + num(Hi);
  return Out;
}

std::string numberText(const ast::Value &V) {
  if (V.Kind == ast::ValueKind::Int)
    return std::to_string(V.IntVal);
  return num(V.FloatVal);
}

FieldReader::FieldReader(SemaContext &Ctx, const ast::Stmt &Section,
                         std::string ThePath, bool AllowBlocks)
    : Ctx(Ctx), Path(std::move(ThePath)), Owner(Section.NameLoc) {
  for (const ast::Stmt &S : Section.Body) {
    if (S.Kind == ast::StmtKind::Block) {
      if (!AllowBlocks)
        Ctx.Diags.error(S.NameLoc, "block definitions belong in the model "
                                   "section, not in '" +
                                       Path + "'");
      continue;
    }
    bool IsSec = S.Kind == ast::StmtKind::Section;
    add({S.Name, S.NameLoc, IsSec ? nullptr : &S.Val, IsSec ? &S : nullptr});
  }
}

FieldReader::FieldReader(SemaContext &Ctx, const ast::File &F)
    : Ctx(Ctx), Owner(F.Start) {
  for (const ast::Stmt &S : F.Body) {
    if (S.Kind == ast::StmtKind::Section) {
      add({S.Name, S.NameLoc, nullptr, &S});
      continue;
    }
    Ctx.Diags.error(S.NameLoc, "'" + S.Name +
                                   "' must be inside a section "
                                   "(hint: model { ... }, train { ... }, "
                                   "data { ... } or export { ... })");
  }
}

FieldReader::FieldReader(SemaContext &Ctx, const ast::Value &Call,
                         std::string ThePath)
    : Ctx(Ctx), Path(std::move(ThePath)), Owner(Call.Loc), IsCall(true) {
  ArrayRef<StringRef> Pos = positionalParams(Call.Str);
  unsigned NextPos = 0;
  for (const ast::Arg &A : Call.Args) {
    if (!A.Name.empty()) {
      add({A.Name, A.NameLoc, &A.Val, nullptr});
      continue;
    }
    if (NextPos >= Pos.size()) {
      std::string Takes =
          Pos.empty() ? "it takes named arguments only, e.g. " + Call.Str +
                            "(name = value)"
                      : "it takes " + std::to_string(Pos.size()) +
                            " positional: " + Diagnostics::quoteList(Pos);
      Ctx.Diags.error(A.Val.Loc, "too many positional arguments to '" +
                                     Call.Str + "' (hint: " + Takes + ")");
      continue;
    }
    add({Pos[NextPos++], A.Val.Loc, &A.Val, nullptr});
  }
}

void FieldReader::add(Entry E) {
  if (const Entry *Prev = find(E.Name)) {
    StringRef What = IsCall ? "argument" : Path.empty() ? "section" : "field";
    Ctx.Diags.error(E.Loc, "duplicate " + What + " '" + qualify(E.Name) + "'" +
                               " (hint: each name may be set once)");
    Ctx.Diags.note(Prev->Loc, "first set here");
    return;
  }
  Entries.push_back(E);
}

FieldReader::Entry *FieldReader::find(StringRef Name) {
  for (Entry &E : Entries)
    if (E.Name == Name)
      return &E;
  return nullptr;
}

const FieldReader::Entry *FieldReader::find(StringRef Name) const {
  for (const Entry &E : Entries)
    if (E.Name == Name)
      return &E;
  return nullptr;
}

std::string FieldReader::qualify(StringRef Name) const {
  return Path.empty() ? Name.str() : Path + "." + Name.str();
}

bool FieldReader::has(StringRef Name) {
  Known.push_back(Name);
  Entry *E = find(Name);
  if (E)
    E->Used = true;
  return E != nullptr;
}

SMLoc FieldReader::locOf(StringRef Name) const {
  const Entry *E = find(Name);
  if (!E)
    return Owner;
  return E->Val ? E->Val->Loc : E->Loc;
}

/// True when \p V or anything inside it is a literal the lexer rejected.
static bool containsBad(const ast::Value &V) {
  if (V.Bad)
    return true;
  for (const ast::Value &E : V.Elems)
    if (containsBad(E))
      return true;
  for (const ast::Arg &A : V.Args)
    if (containsBad(A.Val))
      return true;
  return false;
}

const ast::Value *FieldReader::get(StringRef Name) {
  if (!has(Name))
    return nullptr;
  Entry *E = find(Name);
  if (E->Val && containsBad(*E->Val))
    return nullptr; // Already reported by the lexer.
  if (E->Sec) {
    Ctx.Diags.error(E->Loc, "'" + qualify(Name) +
                                "' must be a value, not a "
                                "section (hint: write " +
                                Name + " = ...)");
    return nullptr;
  }
  return E->Val;
}

const ast::Stmt *FieldReader::getSection(StringRef Name) {
  if (!has(Name))
    return nullptr;
  Entry *E = find(Name);
  if (!E->Sec) {
    Ctx.Diags.error(E->Loc, "'" + qualify(Name) +
                                "' must be a section, not "
                                "a value (hint: write " +
                                Name + " { ... })");
    return nullptr;
  }
  return E->Sec;
}

void FieldReader::typeError(StringRef Name, const ast::Value &V,
                            StringRef Expected) {
  std::string Hint;
  if (V.Kind == ast::ValueKind::Float && Expected == "an integer")
    Hint = " (hint: write a whole number without a fraction)";
  else if (V.Kind == ast::ValueKind::Ident && Expected == "a string")
    Hint = " (hint: put it in double quotes)";
  else if (V.Kind == ast::ValueKind::String && Expected == "a boolean")
    Hint = " (hint: write true or false without quotes)";
  Ctx.Diags.error(V.Loc, "wrong type for '" + qualify(Name) + "': expected " +
                             Expected + ", got " + ast::describe(V.Kind) +
                             Hint);
}

void FieldReader::require(StringRef Name, StringRef Example) {
  if (has(Name) || Ctx.Partial)
    return;
  Missing.emplace_back(Name.str(), Example.str());
}

void FieldReader::reportMissing(ArrayRef<std::string> Suggested) {
  for (const auto &M : Missing) {
    if (is_contained(Suggested, M.first))
      continue; // "unknown field 'vocabb'; did you mean 'vocab'?" says it.
    Ctx.Diags.error(Owner, "missing required field '" + qualify(M.first) +
                               "' (hint: " + M.second + ")");
  }
}

void FieldReader::finish() {
  std::vector<std::string> Suggested;
  SmallVector<StringRef, 16> Names;
  for (StringRef K : Known)
    if (llvm::find(Names, K) == Names.end())
      Names.push_back(K);
  for (const Entry &E : Entries) {
    if (E.Used)
      continue;
    std::string What = IsCall ? "argument" : Path.empty() ? "section" : "field";
    std::string In =
        Path.empty() ? "" : (IsCall ? " to '" : " in '") + Path + "'";
    std::string Sugg = Diagnostics::suggest(E.Name, Names);
    if (!Sugg.empty())
      Suggested.push_back(Diagnostics::bestMatch(E.Name, Names).str());
    std::string Hint =
        Sugg.empty() && !Names.empty()
            ? " (hint: expected one of " + Diagnostics::quoteList(Names) + ")"
            : "";
    Ctx.Diags.error(E.Loc,
                    "unknown " + What + " '" + E.Name + "'" + In + Sugg + Hint);
  }
  reportMissing(Suggested);
}

bool FieldReader::readInt(StringRef Name, int64_t &Out, int64_t Lo,
                          int64_t Hi) {
  const ast::Value *V = get(Name);
  if (!V)
    return false;
  if (V->Kind != ast::ValueKind::Int) {
    typeError(Name, *V, "an integer");
    return false;
  }
  if (V->IntVal < Lo || V->IntVal > Hi) {
    std::string Want = Hi == INT64_MAX
                           ? Name.str() + " >= " + std::to_string(Lo)
                           : std::to_string(Lo) + " <= " + Name.str() +
                                 " <= " + std::to_string(Hi);
    Ctx.Diags.error(V->Loc,
                    "'" + qualify(Name) + "' = " + std::to_string(V->IntVal) +
                        " is out of range (hint: expected " + Want + ")");
    return false;
  }
  Out = V->IntVal;
  return true;
}

bool FieldReader::readFloat(StringRef Name, double &Out, FloatRange R) {
  const ast::Value *V = get(Name);
  if (!V)
    return false;
  if (V->Kind != ast::ValueKind::Int && V->Kind != ast::ValueKind::Float) {
    typeError(Name, *V, "a number");
    return false;
  }
  double D = V->Kind == ast::ValueKind::Int ? static_cast<double>(V->IntVal)
                                            : V->FloatVal;
  if (!R.contains(D)) {
    Ctx.Diags.error(V->Loc, "'" + qualify(Name) + "' = " + numberText(*V) +
                                " is out of range (hint: expected " +
                                R.describe(Name) + ")");
    return false;
  }
  Out = D;
  return true;
}

bool FieldReader::readBool(StringRef Name, bool &Out) {
  const ast::Value *V = get(Name);
  if (!V)
    return false;
  if (V->Kind != ast::ValueKind::Bool) {
    typeError(Name, *V, "a boolean");
    return false;
  }
  Out = V->BoolVal;
  return true;
}

bool FieldReader::readString(StringRef Name, std::string &Out) {
  const ast::Value *V = get(Name);
  if (!V)
    return false;
  if (V->Kind != ast::ValueKind::String) {
    typeError(Name, *V, "a string");
    return false;
  }
  Out = V->Str;
  return true;
}

bool FieldReader::readChoice(StringRef Name, ArrayRef<StringRef> Names,
                             unsigned &Index) {
  const ast::Value *V = get(Name);
  if (!V)
    return false;
  std::string Expected = "one of " + Diagnostics::quoteList(Names);
  if (V->Kind != ast::ValueKind::Ident) {
    typeError(Name, *V, Expected);
    return false;
  }
  for (unsigned I = 0; I < Names.size(); ++I) {
    if (Names[I] == V->Str) {
      Index = I;
      return true;
    }
  }
  Ctx.Diags.error(V->Loc, "unknown value '" + V->Str + "' for '" +
                              qualify(Name) + "'" +
                              Diagnostics::suggest(V->Str, Names) +
                              " (hint: expected " + Expected + ")");
  return false;
}

} // namespace hybc
