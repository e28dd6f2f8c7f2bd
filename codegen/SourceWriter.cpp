//===- codegen/SourceWriter.cpp - Indenting text emitter ------------------===//
//
// See SourceWriter.h.
//
//===----------------------------------------------------------------------===//
#include "codegen/SourceWriter.h"

#include "llvm/ADT/SmallVector.h"

#include <cassert>

using namespace hybc;

void SourceWriter::line(const llvm::Twine &Text) {
  Out.append(Indent * 2, ' ');
  Out += Text.str();
  Out += "\n";
}

void SourceWriter::open(const llvm::Twine &Head) {
  line(Head + " {");
  ++Indent;
}

void SourceWriter::close(llvm::StringRef Tail) {
  assert(Indent > 0 && "unbalanced close");
  --Indent;
  line("}" + Tail);
}

void SourceWriter::comment(llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  Text.split(Lines, '\n');
  for (llvm::StringRef L : Lines)
    line(L.empty() ? llvm::Twine("//") : "// " + L);
}
