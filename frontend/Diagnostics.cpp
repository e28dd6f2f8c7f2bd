//===- frontend/Diagnostics.cpp - .hyb error reporting ----------*- C++ -*-===//
///
/// \file
/// Printing through `SourceMgr::PrintMessage`, the error cap and the
/// edit-distance based "did you mean" helper.
///
//===----------------------------------------------------------------------===//
#include "frontend/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace hybc {

/// Source lines longer than this are shown as an excerpt around the column.
static constexpr size_t kMaxShownLine = 240;

static StringRef kindName(SourceMgr::DiagKind Kind) {
  switch (Kind) {
  case SourceMgr::DK_Error:
    return "error";
  case SourceMgr::DK_Warning:
    return "warning";
  case SourceMgr::DK_Remark:
    return "remark";
  case SourceMgr::DK_Note:
    return "note";
  }
  return "error";
}

bool Diagnostics::emitLongLine(SMLoc Loc, SourceMgr::DiagKind Kind,
                               const Twine &Msg) {
  unsigned Buf = SM.FindBufferContainingLoc(Loc);
  const MemoryBuffer *MB = SM.getMemoryBuffer(Buf);
  const char *P = Loc.getPointer(), *Begin = MB->getBufferStart();
  const char *LineStart = P, *LineEnd = P;
  while (LineStart > Begin && LineStart[-1] != '\n')
    --LineStart;
  while (LineEnd < MB->getBufferEnd() && *LineEnd != '\n')
    ++LineEnd;
  if (static_cast<size_t>(LineEnd - LineStart) <= kMaxShownLine)
    return false;
  unsigned Line = SM.getLineAndColumn(Loc, Buf).first;
  OS << MB->getBufferIdentifier() << ":" << Line << ":" << (P - LineStart + 1)
     << ": " << kindName(Kind) << ": " << Msg << "\n";
  const char *From = std::max(LineStart, P - 80);
  const char *To = std::min(LineEnd, P + 80);
  std::string Excerpt = From > LineStart ? "..." : "";
  size_t Caret = Excerpt.size() + (P - From);
  for (const char *C = From; C < To; ++C)
    Excerpt += isPrint(*C) ? *C : '?';
  OS << Excerpt << (To < LineEnd ? "...\n" : "\n") << std::string(Caret, ' ')
     << "^\n";
  return true;
}

void Diagnostics::emit(SMLoc Loc, SourceMgr::DiagKind Kind, const Twine &Msg) {
  if (Loc.isValid() && SM.FindBufferContainingLoc(Loc) == 0)
    Loc = SMLoc(); // Defensive: never hand SourceMgr a foreign pointer.
  if (Loc.isValid() && emitLongLine(Loc, Kind, Msg))
    return;
  SM.PrintMessage(OS, Loc, Kind, Msg);
}

void Diagnostics::error(SMLoc Loc, const Twine &Msg) {
  ++Errors;
  LastSuppressed = Errors > kMaxErrors;
  if (Errors == kMaxErrors + 1) {
    emit(Loc, SourceMgr::DK_Error,
         "too many errors (" + Twine(kMaxErrors) +
             "); further errors are not shown");
    return;
  }
  if (!LastSuppressed)
    emit(Loc, SourceMgr::DK_Error, Msg);
}

void Diagnostics::warning(SMLoc Loc, const Twine &Msg) {
  ++Warnings;
  LastSuppressed = Errors > kMaxErrors;
  if (!LastSuppressed)
    emit(Loc, SourceMgr::DK_Warning, Msg);
}

void Diagnostics::note(SMLoc Loc, const Twine &Msg) {
  if (!LastSuppressed)
    emit(Loc, SourceMgr::DK_Note, Msg);
}

void Diagnostics::fileError(StringRef File, const Twine &Msg) {
  ++Errors;
  SMDiagnostic D(File, SourceMgr::DK_Error, Msg.str());
  D.print(nullptr, OS);
}

StringRef Diagnostics::bestMatch(StringRef Name,
                                 ArrayRef<StringRef> Candidates) {
  StringRef Best;
  unsigned BestDist = ~0u;
  // Allow about one edit per three characters, at least one.
  unsigned Limit = std::max<unsigned>(1, (Name.size() + 2) / 3);
  for (StringRef C : Candidates) {
    if (C == Name)
      continue;
    unsigned D = Name.edit_distance(C, /*AllowReplacements=*/true, Limit + 1);
    // Case-only differences ("Vocab") and abbreviations ("ortho" for
    // "orthogonal") are always worth suggesting.
    if (Name.equals_insensitive(C))
      D = 0;
    else if (Name.size() >= 3 && C.startswith(Name))
      D = std::min(D, Limit);
    if (D <= Limit && D < BestDist) {
      Best = C;
      BestDist = D;
    }
  }
  return Best;
}

std::string Diagnostics::suggest(StringRef Name,
                                 ArrayRef<StringRef> Candidates) {
  StringRef Best = bestMatch(Name, Candidates);
  if (Best.empty())
    return "";
  return ("; did you mean '" + Best + "'?").str();
}

std::string Diagnostics::quoteList(ArrayRef<StringRef> Names) {
  std::string Out;
  for (size_t I = 0; I < Names.size(); ++I) {
    if (I)
      Out += ", ";
    Out += "'" + Names[I].str() + "'";
  }
  return Out;
}

} // namespace hybc
