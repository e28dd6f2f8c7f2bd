//===- ir/Graph.h - The typed op graph --------------------------*- C++ -*-===//
///
/// \file
/// A Graph is a list of Ops in execution (topological) order over SSA
/// Values with static TensorTypes. Ops carry named attributes, the spec line
/// they came from and the virtual layer they belong to, so kernels generated
/// from them can say where they came from. The forward graph is built by the
/// compiler from a Model; the autodiff pass appends the backward ops to the
/// same graph and records one gradient Value per Param.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_IR_GRAPH_H
#define HYBC_IR_GRAPH_H

#include "ir/Param.h"
#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace hybc {
namespace ir {

enum class OpKind {
#define HYBC_OP(Enum, Name, NOps, NRes) Enum,
#include "ir/Ops.def"
};

llvm::StringRef opKindName(OpKind K);
/// True for ops emitted by the autodiff pass.
bool isBackwardOp(OpKind K);

class Op;

class Value {
public:
  Value(unsigned Id, TensorType Ty, Op *Def, unsigned ResultNo)
      : Id(Id), Ty(std::move(Ty)), Def(Def), ResultNo(ResultNo) {}
  unsigned id() const { return Id; }
  const TensorType &type() const { return Ty; }
  Op *def() const { return Def; }
  unsigned resultNo() const { return ResultNo; }

private:
  unsigned Id;
  TensorType Ty;
  Op *Def;
  unsigned ResultNo;
};

/// A named integer or floating attribute.
struct Attr {
  std::string Key;
  bool IsInt = true;
  int64_t I = 0;
  double F = 0;
};

class Op {
public:
  Op(OpKind K, unsigned Id) : Kind(K), Id(Id) {}
  OpKind kind() const { return Kind; }
  unsigned id() const { return Id; }
  llvm::ArrayRef<Value *> operands() const { return Operands; }
  Value *operand(unsigned I) const { return Operands[I]; }
  unsigned numOperands() const { return Operands.size(); }
  llvm::ArrayRef<Value *> results() const { return Results; }
  Value *result(unsigned I = 0) const { return Results[I]; }
  unsigned numResults() const { return Results.size(); }

  /// The Param of a ParamRef op, else null.
  Param *param() const { return P; }
  /// Input name of an Input op ("ids" / "targets").
  llvm::StringRef inputName() const { return InputName; }

  bool hasAttr(llvm::StringRef Key) const;
  /// Asserts the attribute exists.
  int64_t getInt(llvm::StringRef Key) const;
  double getFloat(llvm::StringRef Key) const;
  int64_t getInt(llvm::StringRef Key, int64_t Default) const;
  double getFloat(llvm::StringRef Key, double Default) const;
  llvm::ArrayRef<Attr> attrs() const { return Attrs; }

  /// Spec line the op came from (0 = none) and virtual layer (-1 = none).
  unsigned SpecLine = 0;
  int Layer = -1;
  /// Short provenance label, e.g. "blocks.3.attn" or "head".
  std::string Tag;

private:
  friend class Graph;
  OpKind Kind;
  unsigned Id;
  llvm::SmallVector<Value *, 4> Operands;
  llvm::SmallVector<Value *, 2> Results;
  llvm::SmallVector<Attr, 4> Attrs;
  Param *P = nullptr;
  std::string InputName;
};

/// Where ops are created: provenance copied into every new op.
struct OpContext {
  unsigned SpecLine = 0;
  int Layer = -1;
  std::string Tag;
};

class Graph {
public:
  /// Appends an op. Results get the given types.
  Op *create(OpKind K, llvm::ArrayRef<Value *> Operands,
             llvm::ArrayRef<TensorType> ResultTypes,
             llvm::ArrayRef<Attr> Attrs = {});
  /// Returns the (unique per graph) ParamRef value of P.
  Value *paramRef(Param *P);
  /// Returns the (unique) Input value of the given name.
  Value *input(llvm::StringRef Name, const TensorType &Ty);

  llvm::ArrayRef<std::unique_ptr<Op>> ops() const { return Ops; }
  /// Moves the op created last to just before \p Pos (rematerialization
  /// places recomputations where they are used). Op ids stay unique but no
  /// longer follow the order; passes use the position in ops().
  void moveLastBefore(const Op *Pos);
  /// Makes operand \p I of \p User read \p V (same type).
  void setOperand(Op &User, unsigned I, Value *V);
  size_t numValues() const { return NumValues; }

  /// Provenance for ops created next.
  OpContext Ctx;

  /// The scalar loss (or per-token nll) of the forward graph.
  Value *Output = nullptr;
  /// Filled by autodiff: gradient value per Param, in ParamTable order.
  std::vector<std::pair<Param *, Value *>> ParamGrads;
  /// Micro-batch shape the graph was built for.
  int64_t Batch = 0, Time = 0;

private:
  std::vector<std::unique_ptr<Op>> Ops;
  std::vector<std::unique_ptr<Value>> Values;
  size_t NumValues = 0;
};

/// Convenience attribute constructors.
Attr intAttr(llvm::StringRef Key, int64_t V);
Attr floatAttr(llvm::StringRef Key, double V);

} // namespace ir
} // namespace hybc

#endif // HYBC_IR_GRAPH_H
