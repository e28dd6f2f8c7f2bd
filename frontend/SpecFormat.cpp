//===- frontend/SpecFormat.cpp - .hyb literal formatting --------*- C++ -*-===//
///
/// \file
/// Round-trip-exact number formatting and string quoting for the printer.
///
//===----------------------------------------------------------------------===//
#include "frontend/SpecPrinter.h"

#include "llvm/ADT/StringExtras.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace llvm;

namespace hybc {

/// Inserts '_' every three digits into a run of decimal digits.
static std::string groupDigits(StringRef Digits) {
  if (Digits.size() < 5)
    return Digits.str();
  std::string Out;
  size_t Lead = Digits.size() % 3 ? Digits.size() % 3 : 3;
  Out += Digits.take_front(Lead).str();
  for (size_t I = Lead; I < Digits.size(); I += 3)
    Out += "_" + Digits.substr(I, 3).str();
  return Out;
}

std::string formatInt(int64_t V) {
  std::string S = std::to_string(V);
  StringRef Digits(S);
  bool Neg = Digits.consume_front("-");
  return (Neg ? "-" : "") + groupDigits(Digits);
}

/// Shortest "%g" text of \p V that reads back exactly; moderate magnitudes
/// are written without an exponent ("10000", not "1e+04").
static std::string shortestText(double V) {
  char Buf[64];
  int Prec = 1;
  for (; Prec < 17; ++Prec) {
    snprintf(Buf, sizeof(Buf), "%.*g", Prec, V);
    if (std::strtod(Buf, nullptr) == V)
      break;
  }
  snprintf(Buf, sizeof(Buf), "%.*g", Prec, V);
  double Mag = V < 0 ? -V : V;
  if (std::strchr(Buf, 'e') && Mag >= 1e-4 && Mag < 1e15) {
    int Exp10 = 0;
    for (double M = Mag; M >= 10; M /= 10)
      ++Exp10;
    for (double M = Mag; M < 1; M *= 10)
      --Exp10;
    int Decimals = Prec - 1 - Exp10 > 0 ? Prec - 1 - Exp10 : 0;
    snprintf(Buf, sizeof(Buf), "%.*f", Decimals, V);
  }
  return Buf;
}

std::string formatDouble(double V) {
  std::string S = shortestText(V);
  size_t E = S.find('e');
  std::string Mant = S.substr(0, E);
  std::string Exp = E == std::string::npos ? "" : S.substr(E + 1);
  if (!Exp.empty()) { // "e-08" -> "e-8", "e+20" -> "e20"
    bool Neg = Exp[0] == '-';
    StringRef Digits =
        StringRef(Exp).drop_front(Exp[0] == '-' || Exp[0] == '+');
    Digits = Digits.ltrim('0');
    Exp = (Neg ? "-" : "") + (Digits.empty() ? std::string("0") : Digits.str());
    return Mant + "e" + Exp;
  }
  if (Mant.find('.') == std::string::npos)
    Mant += ".0";
  StringRef M(Mant);
  bool Neg = M.consume_front("-");
  size_t Dot = M.find('.');
  return (Neg ? "-" : "") + groupDigits(M.take_front(Dot)) +
         M.drop_front(Dot).str();
}

std::string quoteString(StringRef S) {
  std::string Out = "\"";
  for (char C : S) {
    unsigned char U = static_cast<unsigned char>(C);
    if (C == '"' || C == '\\') {
      Out += '\\';
      Out += C;
    } else if (C == '\n') {
      Out += "\\n";
    } else if (C == '\t') {
      Out += "\\t";
    } else if (C == '\r') {
      Out += "\\r";
    } else if (U < 0x20 || U == 0x7f) {
      Out += "\\x";
      Out += hexdigit(U >> 4, /*LowerCase=*/true);
      Out += hexdigit(U & 15, /*LowerCase=*/true);
    } else {
      Out += C;
    }
  }
  return Out + "\"";
}

} // namespace hybc
