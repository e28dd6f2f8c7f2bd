//===- frontend/Parser.h - .hyb recursive-descent parser --------*- C++ -*-===//
///
/// \file
/// Builds the generic AST (AST.h) from tokens. Statements are separated by
/// newlines or commas; newlines inside `()` and `[]` are ignored; a line that
/// starts with `+` continues a block definition. On a syntax error the parser
/// reports it, skips to the end of the statement (the next newline or comma
/// outside brackets, or the closing `}`) and keeps going, so one run reports
/// every syntax error. Nesting is limited to kMaxDepth levels so hostile input
/// cannot exhaust the stack. The grammar is in docs/hyb-language.md.
///
/// Example:
/// \code
///   Parser P(Lexer(SM, Buf, Diags).lexAll(), Diags);
///   ast::File F = P.parseFile();
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_PARSER_H
#define HYBC_FRONTEND_PARSER_H

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"
#include "frontend/Lexer.h"

#include <utility>
#include <vector>

namespace hybc {

/// A parsed `--set` override: `a.b.c = value` (or `= term + term`).
struct OverrideAst {
  std::vector<std::pair<std::string, llvm::SMLoc>> Path;
  /// One value, or several `+`-joined block terms.
  std::vector<ast::Value> Terms;
};

/// Recursive-descent parser over a token vector ending in Tok::Eof.
class Parser {
public:
  /// Deepest allowed nesting of sections, lists and calls.
  static constexpr unsigned kMaxDepth = 32;

  Parser(std::vector<Token> Toks, Diagnostics &Diags);

  /// Parses a whole file; errors go to Diagnostics.
  ast::File parseFile();
  /// Parses `path = value`; returns false (after reporting) on error.
  bool parseOverride(OverrideAst &Out);

private:
  const Token &peek(unsigned Ahead = 0) const;
  bool at(Tok K) const { return peek().Kind == K; }
  const Token &consume();
  void skipNewlines();
  bool expect(Tok K, const llvm::Twine &Context);
  void errorHere(const llvm::Twine &Msg);
  bool enter(llvm::SMLoc Loc);
  void leave() { --Depth; }

  void parseBody(std::vector<ast::Stmt> &Out, bool TopLevel);
  bool parseStmt(ast::Stmt &Out);
  bool parseSection(ast::Stmt &Out);
  bool parseBlockDef(ast::Stmt &Out);
  bool parseTerms(std::vector<ast::Value> &Out);
  bool parseValue(ast::Value &Out);
  bool parsePrimary(ast::Value &Out);
  bool parseList(ast::Value &Out);
  bool parseCallArgs(ast::Value &Out);
  bool parseArg(ast::Value &Call);
  void recover(unsigned BaseParens, unsigned BaseDepth);
  /// True at newlines followed by a line starting with '+'.
  bool continuesOnNextLine() const;

  std::vector<Token> Toks;
  size_t Pos = 0;
  Diagnostics &Diags;
  unsigned Depth = 0;
  unsigned OpenParens = 0; ///< '(' and '[' consumed but not closed.
};

} // namespace hybc

#endif // HYBC_FRONTEND_PARSER_H
