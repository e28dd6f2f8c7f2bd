//===- frontend/Lexer.cpp - .hyb tokenizer ----------------------*- C++ -*-===//
///
/// \file
/// Hand-written single-pass lexer: token dispatch, comments, identifiers and
/// junk. Numbers and strings are in LexerLiterals.cpp. Every path advances
/// `Cur`, so the loop in `lexAll` terminates on any input, including NUL
/// bytes and binary junk.
///
//===----------------------------------------------------------------------===//
#include "frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace hybc {

StringRef tokName(Tok K) {
  switch (K) {
  case Tok::Eof:
    return "end of input";
  case Tok::Newline:
    return "newline";
  case Tok::Ident:
    return "identifier";
  case Tok::Int:
    return "integer";
  case Tok::Float:
    return "number";
  case Tok::String:
    return "string";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::Comma:
    return "','";
  case Tok::Equals:
    return "'='";
  case Tok::Plus:
    return "'+'";
  case Tok::DotDot:
    return "'..'";
  case Tok::Dot:
    return "'.'";
  }
  return "token";
}

std::string hexByte(unsigned char C) {
  std::string S = "0x";
  S += hexdigit(C >> 4, /*LowerCase=*/true);
  S += hexdigit(C & 15, /*LowerCase=*/true);
  return S;
}

static bool isIdentStart(char C) { return isAlpha(C) || C == '_'; }
static bool isIdentChar(char C) { return isAlnum(C) || C == '_'; }

Lexer::Lexer(SourceMgr &SM, unsigned BufID, Diagnostics &Diags) : Diags(Diags) {
  const MemoryBuffer *B = SM.getMemoryBuffer(BufID);
  Cur = B->getBufferStart();
  End = B->getBufferEnd();
}

void Lexer::errorAt(const char *P, const Twine &Msg) {
  Diags.error(SMLoc::getFromPointer(P), Msg);
}

std::vector<Token> Lexer::lexAll() {
  std::vector<Token> Toks;
  while (Cur < End) {
    Token T;
    if (!lexOne(T))
      continue;
    // Runs of blank lines are one separator (keeps look-ahead O(1)).
    if (T.Kind == Tok::Newline && !Toks.empty() &&
        Toks.back().Kind == Tok::Newline)
      continue;
    Toks.push_back(std::move(T));
  }
  Token Eof;
  Eof.Kind = Tok::Eof;
  Eof.Loc = SMLoc::getFromPointer(End);
  Toks.push_back(Eof);
  return Toks;
}

static bool singleCharToken(char C, Tok &K) {
  switch (C) {
  case '{':
    K = Tok::LBrace;
    return true;
  case '}':
    K = Tok::RBrace;
    return true;
  case '(':
    K = Tok::LParen;
    return true;
  case ')':
    K = Tok::RParen;
    return true;
  case '[':
    K = Tok::LBracket;
    return true;
  case ']':
    K = Tok::RBracket;
    return true;
  case ',':
    K = Tok::Comma;
    return true;
  case '=':
    K = Tok::Equals;
    return true;
  case '+':
    K = Tok::Plus;
    return true;
  case '\n':
    K = Tok::Newline;
    return true;
  default:
    return false;
  }
}

bool Lexer::lexOne(Token &T) {
  const char *Start = Cur;
  char C = *Cur;
  T.Loc = SMLoc::getFromPointer(Start);
  if (C == ' ' || C == '\t' || C == '\r' || C == '\f' || C == '\v') {
    ++Cur;
    return false;
  }
  if (C == '#') {
    while (Cur < End && *Cur != '\n')
      ++Cur;
    return false;
  }
  if (C == '/' && Cur + 1 < End && Cur[1] == '*') {
    T.Kind = Tok::Newline;
    T.Text = StringRef(Start, 1);
    return skipBlockComment(); // A comment spanning lines acts as one newline.
  }
  bool NextDigit = Cur + 1 < End && isDigit(Cur[1]);
  bool NextDotDigit = Cur + 2 < End && Cur[1] == '.' && isDigit(Cur[2]);
  if (isDigit(C) || ((C == '-' || C == '.') && NextDigit) ||
      (C == '-' && NextDotDigit)) {
    lexNumber(T);
    return true;
  }
  if (C == '.') {
    bool Two = Cur + 1 < End && Cur[1] == '.';
    Cur += Two ? 2 : 1;
    T.Kind = Two ? Tok::DotDot : Tok::Dot;
    T.Text = StringRef(Start, Cur - Start);
    return true;
  }
  if (C == '"') {
    lexString(T);
    return true;
  }
  if (isIdentStart(C)) {
    lexIdent(T);
    return true;
  }
  if (singleCharToken(C, T.Kind)) {
    T.Text = StringRef(Start, 1);
    ++Cur;
    return true;
  }
  skipJunk();
  return false;
}

bool Lexer::skipBlockComment() {
  const char *Start = Cur;
  Cur += 2;
  bool SawNewline = false;
  while (Cur < End) {
    if (*Cur == '*' && Cur + 1 < End && Cur[1] == '/') {
      Cur += 2;
      return SawNewline;
    }
    SawNewline |= *Cur == '\n';
    ++Cur;
  }
  errorAt(Start, "unterminated comment (hint: close it with '*/')");
  return SawNewline;
}

void Lexer::skipJunk() {
  const char *Start = Cur;
  unsigned char C = static_cast<unsigned char>(*Cur);
  // Swallow the whole run of bytes that cannot start a token: one error each.
  ++Cur;
  while (Cur < End) {
    char N = *Cur;
    Tok Dummy;
    if (isAlnum(N) || N == '_' || N == '"' || N == '#' || N == '.' ||
        N == '-' || N == '/' || N == ' ' || N == '\t' || N == '\r' ||
        singleCharToken(N, Dummy))
      break;
    ++Cur;
  }
  if (C >= 0x20 && C < 0x7f) {
    std::string Hint;
    if (C == '-')
      Hint = " (hint: negative numbers are written like -0.5)";
    else if (C == '/')
      Hint = " (hint: comments start with '#')";
    else if (C == ':' || C == ';')
      Hint = " (hint: write 'name = value'; separate statements with "
             "newlines or ',')";
    errorAt(Start, "unexpected character '" + Twine(static_cast<char>(C)) +
                       "'" + Hint);
    return;
  }
  errorAt(Start, "unexpected byte " + hexByte(C) +
                     " (hint: .hyb files are plain ASCII text outside "
                     "strings and comments)");
}

void Lexer::lexIdent(Token &T) {
  const char *Start = Cur;
  while (Cur < End && isIdentChar(*Cur))
    ++Cur;
  T.Kind = Tok::Ident;
  T.Text = StringRef(Start, Cur - Start);
}

} // namespace hybc
