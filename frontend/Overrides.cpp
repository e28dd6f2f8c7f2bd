//===- frontend/Overrides.cpp - --set dotted.path=value ---------*- C++ -*-===//
///
/// \file
/// Walks an override path through sections, block definitions and call
/// arguments of the AST and replaces (or appends) the addressed value.
///
//===----------------------------------------------------------------------===//
#include "frontend/Overrides.h"

#include "frontend/Lexer.h"
#include "frontend/Parser.h"
#include "frontend/Schema.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace hybc {

namespace {

/// Applies one parsed override to a file.
class Applier {
public:
  Applier(Diagnostics &D, OverrideAst &O) : D(D), O(O) {}
  void applyTo(ast::File &F) { walkBody(F.Body, 0); }

private:
  const std::string &seg(size_t I) const { return O.Path[I].first; }
  SMLoc segLoc(size_t I) const { return O.Path[I].second; }
  bool last(size_t I) const { return I + 1 == O.Path.size(); }
  std::string prefix(size_t I) const;
  bool singleValue(size_t I);

  void walkBody(std::vector<ast::Stmt> &Body, size_t I);
  void walkStmt(ast::Stmt &S, size_t I);
  void walkBlock(ast::Stmt &Block, size_t I);
  void walkCall(ast::Value &Call, size_t I);

  Diagnostics &D;
  OverrideAst &O;
};

} // namespace

std::string Applier::prefix(size_t I) const {
  std::string P;
  for (size_t K = 0; K <= I; ++K)
    P += (K ? "." : "") + seg(K);
  return P;
}

bool Applier::singleValue(size_t I) {
  if (O.Terms.size() == 1)
    return true;
  D.error(O.Terms[1].Loc, "'+' joins block terms, but '" + prefix(I) +
                              "' is not a block (hint: set one value)");
  return false;
}

static ast::Value makeCall(StringRef Name, SMLoc Loc) {
  ast::Value V;
  V.Kind = ast::ValueKind::Call;
  V.Str = Name.str();
  V.Loc = Loc;
  return V;
}

void Applier::walkBody(std::vector<ast::Stmt> &Body, size_t I) {
  for (ast::Stmt &S : Body)
    if (S.Name == seg(I) && S.Kind != ast::StmtKind::Block)
      return walkStmt(S, I);
  for (ast::Stmt &S : Body)
    if (S.Name == seg(I))
      return walkStmt(S, I);
  if (I == 0 && last(I)) {
    D.error(segLoc(I), "'" + seg(I) +
                           "' is a section; set one of its fields "
                           "(hint: --set " +
                           seg(I) + ".<field>=...)");
    return;
  }
  ast::Stmt New;
  New.Name = seg(I);
  New.NameLoc = segLoc(I);
  if (last(I)) {
    if (!singleValue(I))
      return;
    New.Kind = ast::StmtKind::Assign;
    New.Val = O.Terms[0];
  } else if (StringRef Call = defaultCallFor(seg(I)); !Call.empty()) {
    New.Kind = ast::StmtKind::Assign;
    New.Val = makeCall(Call, segLoc(I));
  } else {
    New.Kind = ast::StmtKind::Section; // Sema rejects names it does not know.
  }
  Body.push_back(std::move(New));
  if (!last(I))
    walkStmt(Body.back(), I);
}

void Applier::walkStmt(ast::Stmt &S, size_t I) {
  if (S.Kind == ast::StmtKind::Block) {
    if (!last(I))
      return walkBlock(S, I + 1);
    S.Terms = O.Terms;
    return;
  }
  if (S.Kind == ast::StmtKind::Section) {
    if (!last(I))
      return walkBody(S.Body, I + 1);
    D.error(segLoc(I), "'" + prefix(I) +
                           "' is a section; set one of its "
                           "fields (hint: --set " +
                           prefix(I) + ".<field>=...)");
    return;
  }
  if (last(I)) {
    if (singleValue(I))
      S.Val = O.Terms[0];
    return;
  }
  if (S.Val.Kind == ast::ValueKind::Ident)
    S.Val.Kind = ast::ValueKind::Call;
  if (S.Val.Kind != ast::ValueKind::Call) {
    D.error(segLoc(I + 1), "'" + prefix(I) + "' holds " +
                               ast::describe(S.Val.Kind) +
                               ", which has no field '" + seg(I + 1) +
                               "' (hint: --set " + prefix(I) + "=...)");
    return;
  }
  walkCall(S.Val, I + 1);
}

void Applier::walkBlock(ast::Stmt &Block, size_t I) {
  ast::Value *Term = nullptr;
  for (ast::Value &T : Block.Terms)
    if (T.Str == seg(I))
      Term = &T;
  if (!Term) { // e.g. model.M.mlp.mult=3 on a block without an mlp.
    Block.Terms.push_back(makeCall(seg(I), segLoc(I)));
    Term = &Block.Terms.back();
  }
  if (last(I)) {
    if (singleValue(I))
      *Term = O.Terms[0];
    return;
  }
  if (Term->Kind == ast::ValueKind::Ident)
    Term->Kind = ast::ValueKind::Call;
  walkCall(*Term, I + 1);
}

void Applier::walkCall(ast::Value &Call, size_t I) {
  // Name positional arguments so `lzma(9)` and `preset = 5` do not collide.
  ArrayRef<StringRef> Pos = positionalParams(Call.Str);
  size_t NextPos = 0;
  for (ast::Arg &A : Call.Args)
    if (A.Name.empty() && NextPos < Pos.size())
      A.Name = Pos[NextPos++].str();
  ast::Arg *Found = nullptr;
  for (ast::Arg &A : Call.Args)
    if (A.Name == seg(I))
      Found = &A;
  if (!Found) {
    ast::Arg New;
    New.Name = seg(I);
    New.NameLoc = segLoc(I);
    StringRef Default = defaultCallFor(seg(I)); // Replaced below if last.
    New.Val =
        makeCall(Default.empty() ? StringRef(seg(I)) : Default, segLoc(I));
    Call.Args.push_back(std::move(New));
    Found = &Call.Args.back();
  }
  if (last(I)) {
    if (singleValue(I))
      Found->Val = O.Terms[0];
    return;
  }
  if (Found->Val.Kind == ast::ValueKind::Ident)
    Found->Val.Kind = ast::ValueKind::Call;
  if (Found->Val.Kind != ast::ValueKind::Call) {
    D.error(segLoc(I + 1), "'" + prefix(I) + "' holds " +
                               ast::describe(Found->Val.Kind) +
                               ", which has no field '" + seg(I + 1) + "'");
    return;
  }
  walkCall(Found->Val, I + 1);
}

void applyOverrides(ArrayRef<std::string> Overrides, Diagnostics &D,
                    ast::File &F) {
  SourceMgr &SM = D.sourceMgr();
  for (size_t I = 0; I < Overrides.size(); ++I) {
    std::string Name = "--set #" + std::to_string(I + 1);
    unsigned ID = SM.AddNewSourceBuffer(
        MemoryBuffer::getMemBufferCopy(Overrides[I], Name), SMLoc());
    unsigned Before = D.errorCount();
    std::vector<Token> Toks = Lexer(SM, ID, D).lexAll();
    if (D.errorCount() != Before)
      continue;
    Parser P(std::move(Toks), D);
    OverrideAst O;
    if (!P.parseOverride(O))
      continue;
    Applier(D, O).applyTo(F);
  }
}

} // namespace hybc
