//===- frontend/Frontend.cpp - Public API of hybc_frontend ------*- C++ -*-===//
///
/// \file
/// The load pipeline: buffer -> Lexer -> Parser -> overrides -> Sema.
///
//===----------------------------------------------------------------------===//
#include "frontend/Frontend.h"

#include "frontend/Diagnostics.h"
#include "frontend/Lexer.h"
#include "frontend/Overrides.h"
#include "frontend/Parser.h"
#include "frontend/Sema.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace hybc {

static Error summary(StringRef Name, unsigned Errors) {
  return createStringError(inconvertibleErrorCode(), "%s: %u error%s",
                           Name.str().c_str(), Errors, Errors == 1 ? "" : "s");
}

static Expected<Spec> loadBuffer(std::unique_ptr<MemoryBuffer> Buf,
                                 StringRef Name,
                                 ArrayRef<std::string> Overrides,
                                 raw_ostream &Diag) {
  SourceMgr SM;
  Diagnostics D(SM, Diag);
  if (Buf->getBufferSize() > kMaxSpecBytes)
    return createStringError(inconvertibleErrorCode(),
                             "%s: spec is %zu bytes; the limit is %zu (hint: "
                             "is this really a .hyb file?)",
                             Name.str().c_str(), Buf->getBufferSize(),
                             kMaxSpecBytes);
  unsigned ID = SM.AddNewSourceBuffer(std::move(Buf), SMLoc());
  std::vector<Token> Toks = Lexer(SM, ID, D).lexAll();
  ast::File F = Parser(std::move(Toks), D).parseFile();
  F.Start = SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart());
  applyOverrides(Overrides, D, F);
  SemaContext Ctx{D, D.errorCount() > 0};
  Spec S;
  S.Path = Name.str();
  runSema(F, Ctx, S);
  Diag.flush();
  if (D.errorCount() > 0)
    return summary(Name, D.errorCount());
  return S;
}

Expected<Spec> loadSpec(StringRef Path, ArrayRef<std::string> Overrides,
                        raw_ostream &Diag) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFile(Path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!Buf) // Nothing to point at: the Error alone carries the message.
    return createStringError(
        inconvertibleErrorCode(),
        "cannot read spec '%s': %s (hint: check the path; examples live in "
        "examples/)",
        Path.str().c_str(), Buf.getError().message().c_str());
  return loadBuffer(std::move(*Buf), Path, Overrides, Diag);
}

Expected<Spec> parseSpecString(StringRef Text, StringRef Name,
                               ArrayRef<std::string> Overrides,
                               raw_ostream &Diag) {
  return loadBuffer(MemoryBuffer::getMemBufferCopy(Text, Name), Name, Overrides,
                    Diag);
}

} // namespace hybc
