//===- frontend/LexerLiterals.cpp - Numbers and strings ---------*- C++ -*-===//
///
/// \file
/// The literal part of the lexer: integers and doubles with `_` separators,
/// signs and exponents (with overflow checks), and double-quoted strings with
/// escapes. A malformed literal is reported once and its token marked Bad so
/// later stages do not report it again.
///
//===----------------------------------------------------------------------===//
#include "frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

using namespace llvm;

namespace hybc {

static bool isIdentChar(char C) { return isAlnum(C) || C == '_'; }

/// Consumes a run of digits and '_' separators; returns false when an
/// underscore is not between two digits.
static bool scanDigits(const char *&Cur, const char *End) {
  bool Ok = true;
  const char *Start = Cur;
  while (Cur < End && (isDigit(*Cur) || *Cur == '_')) {
    if (*Cur == '_' && (Cur == Start || !isDigit(Cur[-1]) || Cur + 1 >= End ||
                        !isDigit(Cur[1])))
      Ok = false;
    ++Cur;
  }
  return Ok;
}

void Lexer::lexNumber(Token &T) {
  const char *Start = Cur;
  bool Neg = *Cur == '-';
  if (Neg)
    ++Cur;
  bool Ok = scanDigits(Cur, End);
  bool IsFloat = false;
  if (Cur + 1 < End && *Cur == '.' && isDigit(Cur[1])) {
    IsFloat = true;
    ++Cur;
    Ok &= scanDigits(Cur, End);
  }
  if (Cur < End && (*Cur == 'e' || *Cur == 'E')) {
    const char *P = Cur + 1;
    if (P < End && (*P == '+' || *P == '-'))
      ++P;
    if (P < End && isDigit(*P)) {
      IsFloat = true;
      Cur = P;
      Ok &= scanDigits(Cur, End);
    }
  }
  bool Trailing = false;
  while (Cur < End && isIdentChar(*Cur)) {
    Trailing = true;
    ++Cur;
  }
  T.Text = StringRef(Start, Cur - Start);
  T.Kind = IsFloat ? Tok::Float : Tok::Int;
  if (Trailing || !Ok) {
    T.Bad = true;
    errorAt(Start, "invalid number '" + T.Text + "'" +
                       (Ok ? " (hint: numbers look like 42, 524_288, -0.5 "
                             "or 1e-8)"
                           : " (hint: '_' may only separate digits)"));
    return;
  }
  convertNumber(T, Neg, IsFloat);
}

void Lexer::convertNumber(Token &T, bool Neg, bool IsFloat) {
  const char *Start = T.Text.data();
  std::string Clean;
  for (char C : T.Text)
    if (C != '_')
      Clean.push_back(C);
  if (IsFloat) {
    errno = 0;
    char *EndP = nullptr;
    double V = std::strtod(Clean.c_str(), &EndP);
    if (errno == ERANGE || !std::isfinite(V)) {
      T.Bad = true;
      errorAt(Start, "number '" + T.Text + "' is out of range for a double");
      return;
    }
    T.FloatVal = V;
    return;
  }
  uint64_t Mag = 0;
  for (char C : StringRef(Clean).drop_front(Neg ? 1 : 0)) {
    unsigned D = C - '0';
    if (Mag > (UINT64_MAX - D) / 10) {
      Mag = UINT64_MAX;
      break;
    }
    Mag = Mag * 10 + D;
  }
  uint64_t Limit = Neg ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
  if (Mag > Limit) {
    T.Bad = true;
    errorAt(Start, "integer '" + T.Text +
                       "' does not fit in 64 bits (hint: the largest is "
                       "9223372036854775807)");
    return;
  }
  T.IntVal = Neg ? static_cast<int64_t>(0 - Mag) : static_cast<int64_t>(Mag);
}

bool Lexer::lexEscape(std::string &Out) {
  const char *Esc = Cur; // Points at the backslash.
  if (Cur + 1 >= End) {
    ++Cur;
    return false; // Reported as an unterminated string.
  }
  char C = Cur[1];
  Cur += 2;
  switch (C) {
  case 'n':
    Out.push_back('\n');
    return true;
  case 't':
    Out.push_back('\t');
    return true;
  case 'r':
    Out.push_back('\r');
    return true;
  case '\\':
    Out.push_back('\\');
    return true;
  case '"':
    Out.push_back('"');
    return true;
  case 'x':
    if (Cur + 1 < End && isHexDigit(Cur[0]) && isHexDigit(Cur[1])) {
      Out.push_back(static_cast<char>(hexFromNibbles(Cur[0], Cur[1])));
      Cur += 2;
      return true;
    }
    errorAt(Esc, "invalid escape '\\x' (hint: write two hex digits, e.g. "
                 "\\x41)");
    return false;
  default:
    if (C == '\n') { // A backslash before a newline: leave it to the caller.
      --Cur;
      return true;
    }
    errorAt(Esc, "unknown escape '\\" + Twine(isPrint(C) ? C : '?') +
                     "' (hint: use \\\\, \\\", \\n, \\t, \\r or \\xHH)");
    return false;
  }
}

void Lexer::lexString(Token &T) {
  const char *Start = Cur++;
  T.Kind = Tok::String;
  std::string &Out = T.StrVal;
  bool ReportedControl = false;
  while (Cur < End && *Cur != '"' && *Cur != '\n') {
    if (*Cur == '\\') {
      T.HadEscapes = true;
      T.Bad |= !lexEscape(Out);
      continue;
    }
    unsigned char C = static_cast<unsigned char>(*Cur);
    if (C < 0x20 && C != '\t' && !ReportedControl) {
      errorAt(Cur, "control byte " + hexByte(C) +
                       " inside a string (hint: use an escape such as \\xHH)");
      ReportedControl = true;
      T.Bad = true;
    }
    Out.push_back(*Cur++);
  }
  if (Cur >= End || *Cur != '"') {
    T.Bad = true;
    errorAt(Start, "unterminated string (hint: close it with '\"' on the "
                   "same line)");
    T.Text = StringRef(Start, Cur - Start);
    return;
  }
  ++Cur;
  T.Text = StringRef(Start, Cur - Start);
}

} // namespace hybc
