//===- ir/Types.h - Element types and tensor types --------------*- C++ -*-===//
///
/// \file
/// Element types and static tensor types of the hybc IR. Every shape is
/// concrete: a graph is built for one micro-batch shape (shape-specialized
/// codegen follows from that).
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_IR_TYPES_H
#define HYBC_IR_TYPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace hybc {
namespace ir {

enum class DType { F32, BF16, F16, I32 };

/// Printable name: "f32", "bf16", "f16", "i32".
llvm::StringRef dtypeName(DType T);

/// A static tensor type: element type plus a concrete shape. A scalar has an
/// empty shape.
struct TensorType {
  DType Elem = DType::F32;
  llvm::SmallVector<int64_t, 4> Shape;

  TensorType() = default;
  TensorType(DType E, llvm::ArrayRef<int64_t> S) : Elem(E), Shape(S.begin(), S.end()) {}

  int64_t numel() const {
    int64_t N = 1;
    for (int64_t D : Shape)
      N *= D;
    return N;
  }
  unsigned rank() const { return Shape.size(); }
  /// Size of the last dimension (1 for scalars).
  int64_t inner() const { return Shape.empty() ? 1 : Shape.back(); }
  /// Product of every dimension but the last.
  int64_t outer() const { return Shape.empty() ? 1 : numel() / Shape.back(); }
  bool operator==(const TensorType &O) const {
    return Elem == O.Elem && Shape == O.Shape;
  }
  bool operator!=(const TensorType &O) const { return !(*this == O); }
  /// "f32[4,128,512]".
  std::string str() const;
};

} // namespace ir
} // namespace hybc

#endif // HYBC_IR_TYPES_H
