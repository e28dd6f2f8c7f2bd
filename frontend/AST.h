//===- frontend/AST.h - Generic .hyb syntax tree ----------------*- C++ -*-===//
///
/// \file
/// The parser's output: a schema-free tree of sections, assignments, block
/// definitions and values. Meaning (which names exist, their types and
/// ranges) is given only by sema. Every node remembers its SMLoc so sema and
/// the override machinery can point at the offending text.
///
/// Example: `block M = mamba3(d_state = 64) + mlp(mult = 3)` is a Stmt of
/// kind Block with Name "M" and two Call terms; `layers = 3..4` is an
/// Assign whose value is a Range with two Int elements.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_FRONTEND_AST_H
#define HYBC_FRONTEND_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace ast {

enum class ValueKind { Int, Float, Bool, String, Ident, List, Call, Range };

/// Lower-case noun for messages ("an integer", "a list", ...).
llvm::StringRef describe(ValueKind K);

struct Arg;

/// One value. Which members are meaningful depends on Kind.
struct Value {
  ValueKind Kind = ValueKind::Int;
  llvm::SMLoc Loc;
  int64_t IntVal = 0;
  double FloatVal = 0.0;
  bool BoolVal = false;
  /// String contents, identifier text or callee name.
  std::string Str;
  /// The string literal contained escapes, so columns inside it are not
  /// byte offsets from Loc.
  bool HadEscapes = false;
  /// A malformed literal already reported by the lexer: sema skips it.
  bool Bad = false;
  /// List elements, or the two ends of a Range.
  std::vector<Value> Elems;
  /// Call arguments, positional ones with an empty Name.
  std::vector<Arg> Args;
};

/// A call argument: `name = value` or a positional `value`.
struct Arg {
  std::string Name; ///< Empty for a positional argument.
  llvm::SMLoc NameLoc;
  Value Val;
};

enum class StmtKind { Assign, Section, Block };

/// One statement of a section body.
struct Stmt {
  StmtKind Kind = StmtKind::Assign;
  std::string Name;
  llvm::SMLoc NameLoc;
  /// Assign: the value.
  Value Val;
  /// Block: the `+`-separated terms (each an Ident or Call value).
  std::vector<Value> Terms;
  /// Section: the nested statements; EndLoc is the closing brace.
  std::vector<Stmt> Body;
  llvm::SMLoc EndLoc;
};

/// A whole file: its top-level statements (sections, normally).
struct File {
  std::vector<Stmt> Body;
  llvm::SMLoc Start; ///< Start of the buffer, for file-level errors.
};

} // namespace ast
} // namespace hybc

#endif // HYBC_FRONTEND_AST_H
