//===- frontend/AST.cpp - Generic .hyb syntax tree --------------*- C++ -*-===//
///
/// \file
/// Small helpers over the AST.
///
//===----------------------------------------------------------------------===//
#include "frontend/AST.h"

namespace hybc {
namespace ast {

llvm::StringRef describe(ValueKind K) {
  switch (K) {
  case ValueKind::Int:
    return "an integer";
  case ValueKind::Float:
    return "a number";
  case ValueKind::Bool:
    return "a boolean";
  case ValueKind::String:
    return "a string";
  case ValueKind::Ident:
    return "a name";
  case ValueKind::List:
    return "a list";
  case ValueKind::Call:
    return "a call";
  case ValueKind::Range:
    return "a range";
  }
  return "a value";
}

} // namespace ast
} // namespace hybc
