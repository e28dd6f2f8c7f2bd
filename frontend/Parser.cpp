//===- frontend/Parser.cpp - .hyb recursive-descent parser ------*- C++ -*-===//
///
/// \file
/// Statement-level parsing, error recovery and the override parser. Value
/// parsing (literals, lists, calls, ranges) is in ParserValues.cpp.
///
//===----------------------------------------------------------------------===//
#include "frontend/Parser.h"

using namespace llvm;

namespace hybc {

Parser::Parser(std::vector<Token> TheToks, Diagnostics &Diags)
    : Toks(std::move(TheToks)), Diags(Diags) {
  assert(!Toks.empty() && Toks.back().Kind == Tok::Eof &&
         "token stream must end with Eof");
}

const Token &Parser::peek(unsigned Ahead) const {
  size_t I = std::min(Pos + Ahead, Toks.size() - 1);
  return Toks[I];
}

const Token &Parser::consume() {
  const Token &T = Toks[Pos];
  if (Pos + 1 < Toks.size())
    ++Pos;
  return T;
}

void Parser::skipNewlines() {
  while (at(Tok::Newline))
    consume();
}

/// "identifier 'foo'", "newline", "'}'" ... for "got X" messages.
static std::string describeTok(const Token &T) {
  if (T.Kind == Tok::Ident || T.Kind == Tok::Int || T.Kind == Tok::Float)
    return (tokName(T.Kind) + " '" + T.Text + "'").str();
  if (T.Kind == Tok::Newline)
    return "end of line";
  return tokName(T.Kind).str();
}

void Parser::errorHere(const Twine &Msg) {
  Diags.error(peek().Loc, Msg + ", got " + describeTok(peek()));
}

bool Parser::expect(Tok K, const Twine &Context) {
  if (at(K)) {
    consume();
    return true;
  }
  errorHere("expected " + tokName(K) + " " + Context);
  return false;
}

bool Parser::enter(SMLoc Loc) {
  if (++Depth > kMaxDepth) {
    Diags.error(Loc, "nesting is deeper than " + Twine(kMaxDepth) +
                         " levels (hint: flatten the sections or lists)");
    --Depth;
    return false;
  }
  return true;
}

bool Parser::continuesOnNextLine() const {
  size_t Look = 0;
  while (peek(Look).Kind == Tok::Newline)
    ++Look;
  return Look > 0 && peek(Look).Kind == Tok::Plus;
}

void Parser::recover(unsigned BaseParens, unsigned BaseDepth) {
  unsigned Open = OpenParens > BaseParens ? OpenParens - BaseParens : 0;
  unsigned Braces = 0;
  OpenParens = BaseParens;
  Depth = BaseDepth; // Unwind enter() calls of the failed statement.
  while (!at(Tok::Eof)) {
    Tok K = peek().Kind;
    if (K == Tok::LParen || K == Tok::LBracket)
      ++Open;
    else if ((K == Tok::RParen || K == Tok::RBracket) && Open > 0)
      --Open;
    else if (K == Tok::LBrace)
      ++Braces;
    else if (K == Tok::RBrace) {
      if (Braces == 0)
        return; // Closes the enclosing section: leave it to parseBody.
      --Braces;
    } else if ((K == Tok::Newline || K == Tok::Comma) && Open == 0 &&
               Braces == 0 && !continuesOnNextLine()) {
      consume();
      return;
    }
    consume();
  }
}

ast::File Parser::parseFile() {
  ast::File F;
  F.Start = peek().Loc; // Callers with the buffer use its first byte.
  parseBody(F.Body, /*TopLevel=*/true);
  return F;
}

void Parser::parseBody(std::vector<ast::Stmt> &Out, bool TopLevel) {
  while (true) {
    while (at(Tok::Newline) || at(Tok::Comma))
      consume();
    if (at(Tok::Eof))
      return;
    if (at(Tok::RBrace)) {
      if (!TopLevel)
        return;
      Diags.error(peek().Loc, "unmatched '}' (hint: remove it or add the "
                              "section it should close)");
      consume();
      continue;
    }
    unsigned Base = OpenParens, BaseDepth = Depth;
    ast::Stmt S;
    if (!parseStmt(S)) {
      recover(Base, BaseDepth);
      continue;
    }
    Out.push_back(std::move(S));
    if (at(Tok::Newline) || at(Tok::Comma) || at(Tok::RBrace) || at(Tok::Eof))
      continue;
    errorHere("expected a newline or ',' after '" + Out.back().Name + "'");
    recover(Base, BaseDepth);
  }
}

bool Parser::parseStmt(ast::Stmt &Out) {
  if (!at(Tok::Ident)) {
    errorHere("expected a field or section name");
    return false;
  }
  if (peek().Text == "block" && peek(1).Kind == Tok::Ident)
    return parseBlockDef(Out);
  const Token &Name = consume();
  Out.Name = Name.Text.str();
  Out.NameLoc = Name.Loc;
  if (at(Tok::LBrace))
    return parseSection(Out);
  if (!at(Tok::Equals)) {
    errorHere("expected '=' or '{' after '" + Out.Name + "'");
    return false;
  }
  consume();
  Out.Kind = ast::StmtKind::Assign;
  return parseValue(Out.Val); // The value starts on the same line.
}

bool Parser::parseSection(ast::Stmt &Out) {
  SMLoc Open = consume().Loc;
  Out.Kind = ast::StmtKind::Section;
  if (!enter(Open))
    return false;
  parseBody(Out.Body, /*TopLevel=*/false);
  leave();
  if (!at(Tok::RBrace)) {
    // parseBody stops only at '}' or the end of input: keep what was read.
    errorHere("expected '}' to close section '" + Out.Name + "'");
    Diags.note(Open, "section '" + Out.Name + "' opened here");
    Out.EndLoc = peek().Loc;
    return true;
  }
  Out.EndLoc = consume().Loc;
  return true;
}

bool Parser::parseBlockDef(ast::Stmt &Out) {
  consume(); // 'block'
  const Token &Name = consume();
  Out.Kind = ast::StmtKind::Block;
  Out.Name = Name.Text.str();
  Out.NameLoc = Name.Loc;
  if (!expect(Tok::Equals, "after 'block " + Out.Name + "' (hint: block " +
                               Out.Name + " = mamba3(...) + mlp(...))"))
    return false;
  return parseTerms(Out.Terms);
}

bool Parser::parseTerms(std::vector<ast::Value> &Out) {
  while (true) {
    ast::Value V;
    if (!parseValue(V))
      return false;
    Out.push_back(std::move(V));
    // A '+' may start the next line.
    if (!at(Tok::Plus) && !continuesOnNextLine())
      return true;
    skipNewlines();
    consume(); // '+'
    skipNewlines();
  }
}

bool Parser::parseOverride(OverrideAst &Out) {
  while (true) {
    if (!at(Tok::Ident)) {
      errorHere("expected a dotted path such as train.muon.lr=0.02");
      return false;
    }
    Out.Path.emplace_back(peek().Text.str(), peek().Loc);
    consume();
    if (!at(Tok::Dot))
      break;
    consume();
  }
  if (!expect(Tok::Equals, "after the override path (hint: "
                           "--set train.muon.lr=0.02)"))
    return false;
  if (!parseTerms(Out.Terms))
    return false;
  skipNewlines();
  if (!at(Tok::Eof)) {
    errorHere("expected the end of the override value (hint: quote strings: "
              "model.layers=\"MMAM\")");
    return false;
  }
  return true;
}

} // namespace hybc
