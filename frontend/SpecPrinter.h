//===- frontend/SpecPrinter.h - Resolved spec -> .hyb text ------*- C++ -*-===//
///
/// \file
/// Literal formatting used by `printResolvedSpec` (declared in Frontend.h):
/// doubles in the shortest form that reads back bit-identically, integers
/// with `_` thousands separators, strings with escapes. Every output lexes
/// back to the same value.
///
/// Example: formatDouble(1e-8) == "1e-8", formatDouble(10000) == "10_000.0",
/// formatInt(524288) == "524_288", quoteString("a\"b") == "\"a\\\"b\"".
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_SPECPRINTER_H
#define HYBC_FRONTEND_SPECPRINTER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace hybc {

/// Shortest text that parses back to exactly \p V (always has '.' or 'e').
std::string formatDouble(double V);
/// Decimal with '_' every three digits when |V| >= 10000.
std::string formatInt(int64_t V);
/// A double-quoted .hyb string literal.
std::string quoteString(llvm::StringRef S);

} // namespace hybc

#endif // HYBC_FRONTEND_SPECPRINTER_H
