//===- frontend/ParserValues.cpp - .hyb value parsing -----------*- C++ -*-===//
///
/// \file
/// Values: literals, `true`/`false`, identifiers, calls with positional and
/// named arguments, lists and `lo..hi` ranges. Newlines inside `()` and `[]`
/// are skipped.
///
//===----------------------------------------------------------------------===//
#include "frontend/Parser.h"

using namespace llvm;

namespace hybc {

bool Parser::parseValue(ast::Value &Out) {
  if (!parsePrimary(Out))
    return false;
  if (!at(Tok::DotDot))
    return true;
  consume();
  ast::Value Hi;
  if (!parsePrimary(Hi))
    return false;
  ast::Value Lo = std::move(Out);
  Out = ast::Value();
  Out.Kind = ast::ValueKind::Range;
  Out.Loc = Lo.Loc;
  Out.Elems.push_back(std::move(Lo));
  Out.Elems.push_back(std::move(Hi));
  return true;
}

bool Parser::parsePrimary(ast::Value &Out) {
  const Token &T = peek();
  Out.Loc = T.Loc;
  Out.Bad = T.Bad;
  switch (T.Kind) {
  case Tok::Int:
    Out.Kind = ast::ValueKind::Int;
    Out.IntVal = T.IntVal;
    consume();
    return true;
  case Tok::Float:
    Out.Kind = ast::ValueKind::Float;
    Out.FloatVal = T.FloatVal;
    consume();
    return true;
  case Tok::String:
    Out.Kind = ast::ValueKind::String;
    Out.Str = T.StrVal;
    Out.HadEscapes = T.HadEscapes;
    consume();
    return true;
  case Tok::LBracket:
    return parseList(Out);
  case Tok::Ident:
    break;
  default:
    errorHere("expected a value");
    return false;
  }
  if (T.Text == "true" || T.Text == "false") {
    Out.Kind = ast::ValueKind::Bool;
    Out.BoolVal = T.Text == "true";
    consume();
    return true;
  }
  Out.Kind = ast::ValueKind::Ident;
  Out.Str = T.Text.str();
  consume();
  if (!at(Tok::LParen))
    return true;
  Out.Kind = ast::ValueKind::Call;
  return parseCallArgs(Out);
}

bool Parser::parseList(ast::Value &Out) {
  Out.Kind = ast::ValueKind::List;
  SMLoc Open = consume().Loc;
  if (!enter(Open))
    return false;
  ++OpenParens;
  while (true) {
    skipNewlines();
    if (at(Tok::RBracket))
      break;
    ast::Value V;
    if (!parseValue(V))
      return false;
    Out.Elems.push_back(std::move(V));
    skipNewlines();
    if (at(Tok::Comma)) {
      consume();
      continue;
    }
    if (!at(Tok::RBracket)) {
      errorHere("expected ',' or ']' in list");
      return false;
    }
  }
  consume();
  --OpenParens;
  leave();
  return true;
}

bool Parser::parseCallArgs(ast::Value &Out) {
  SMLoc Open = consume().Loc;
  if (!enter(Open))
    return false;
  ++OpenParens;
  while (true) {
    skipNewlines();
    if (at(Tok::RParen))
      break;
    if (!parseArg(Out))
      return false;
    skipNewlines();
    if (at(Tok::Comma)) {
      consume();
      continue;
    }
    if (!at(Tok::RParen)) {
      errorHere("expected ',' or ')' in the arguments of '" + Out.Str + "'");
      return false;
    }
  }
  consume();
  --OpenParens;
  leave();
  return true;
}

bool Parser::parseArg(ast::Value &Call) {
  ast::Arg A;
  if (at(Tok::Ident) && peek(1).Kind == Tok::Equals) {
    A.Name = peek().Text.str();
    A.NameLoc = peek().Loc;
    consume();
    consume();
    skipNewlines();
  } else {
    A.NameLoc = peek().Loc;
  }
  if (!parseValue(A.Val))
    return false;
  Call.Args.push_back(std::move(A));
  return true;
}

} // namespace hybc
