//===- frontend/Lexer.h - .hyb tokenizer ------------------------*- C++ -*-===//
///
/// \file
/// Splits one SourceMgr buffer into tokens. Newlines are tokens (the parser
/// decides where they matter); `#` line comments and `/* */` block comments
/// are skipped (a block comment spanning lines yields one newline token).
/// Numbers accept `_` digit separators, a leading `-`, fractions and
/// exponents (`524_288`, `-0.5`, `1e-8`, `10_000.0`); `3..4` lexes as
/// int, `..`, int. Every malformed token is reported and skipped, so lexing
/// always reaches the end of the buffer in linear time.
///
/// Example:
/// \code
///   Lexer L(SM, BufID, Diags);
///   std::vector<Token> Toks = L.lexAll();   // ends with Tok::Eof
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_LEXER_H
#define HYBC_FRONTEND_LEXER_H

#include "frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

/// Token kinds of the .hyb language.
enum class Tok {
  Eof,
  Newline,
  Ident,
  Int,
  Float,
  String,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Equals,
  Plus,
  DotDot,
  Dot,
};

/// Human-readable token kind for "expected X, got Y" messages.
llvm::StringRef tokName(Tok K);

/// "0x01" for messages about raw bytes.
std::string hexByte(unsigned char C);

/// One token; Text points into the SourceMgr buffer.
struct Token {
  Tok Kind = Tok::Eof;
  llvm::SMLoc Loc;
  llvm::StringRef Text;
  int64_t IntVal = 0;
  double FloatVal = 0.0;
  std::string StrVal;      ///< Decoded string contents.
  bool HadEscapes = false; ///< String contained escapes (columns shift).
  /// Malformed literal whose error was already reported; its value is a
  /// placeholder that sema must not check again.
  bool Bad = false;
};

/// Tokenizes one buffer, reporting lexical errors to Diagnostics.
class Lexer {
public:
  Lexer(llvm::SourceMgr &SM, unsigned BufID, Diagnostics &Diags);

  /// Lexes the whole buffer; the last token is always Tok::Eof.
  std::vector<Token> lexAll();

private:
  /// Lexes the next token into \p T; returns false when only something to
  /// skip was found (whitespace, comment or a reported bad character).
  bool lexOne(Token &T);
  void lexNumber(Token &T);
  /// Sets T's value from its text (already checked for shape).
  void convertNumber(Token &T, bool Neg, bool IsFloat);
  void lexString(Token &T);
  /// Decodes one escape into \p Out; false after reporting a bad one.
  bool lexEscape(std::string &Out);
  void lexIdent(Token &T);
  bool skipBlockComment();
  void skipJunk();
  void errorAt(const char *P, const llvm::Twine &Msg);

  Diagnostics &Diags;
  const char *Cur;
  const char *End;
};

} // namespace hybc

#endif // HYBC_FRONTEND_LEXER_H
