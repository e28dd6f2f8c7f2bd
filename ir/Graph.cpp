//===- ir/Graph.cpp - The typed op graph ----------------------------------===//
//
// Op creation, attribute access and small type helpers.
//
//===----------------------------------------------------------------------===//
#include "ir/Graph.h"

#include <algorithm>

#include "llvm/Support/raw_ostream.h"

#include <cassert>

using namespace hybc;
using namespace hybc::ir;

llvm::StringRef ir::dtypeName(DType T) {
  switch (T) {
  case DType::F32:
    return "f32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  case DType::I32:
    return "i32";
  }
  return "?";
}

std::string TensorType::str() const {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << dtypeName(Elem) << "[";
  for (unsigned I = 0; I < Shape.size(); ++I)
    OS << (I ? "," : "") << Shape[I];
  OS << "]";
  return OS.str();
}

llvm::StringRef ir::opKindName(OpKind K) {
  switch (K) {
#define HYBC_OP(Enum, Name, NOps, NRes)                                        \
  case OpKind::Enum:                                                           \
    return Name;
#include "ir/Ops.def"
  }
  return "?";
}

bool ir::isBackwardOp(OpKind K) {
  return opKindName(K).endswith("_bwd");
}

Attr ir::intAttr(llvm::StringRef Key, int64_t V) {
  Attr A;
  A.Key = Key.str();
  A.IsInt = true;
  A.I = V;
  return A;
}

Attr ir::floatAttr(llvm::StringRef Key, double V) {
  Attr A;
  A.Key = Key.str();
  A.IsInt = false;
  A.F = V;
  return A;
}

bool Op::hasAttr(llvm::StringRef Key) const {
  for (const Attr &A : Attrs)
    if (A.Key == Key)
      return true;
  return false;
}

int64_t Op::getInt(llvm::StringRef Key, int64_t Default) const {
  for (const Attr &A : Attrs)
    if (A.Key == Key)
      return A.IsInt ? A.I : static_cast<int64_t>(A.F);
  return Default;
}

double Op::getFloat(llvm::StringRef Key, double Default) const {
  for (const Attr &A : Attrs)
    if (A.Key == Key)
      return A.IsInt ? static_cast<double>(A.I) : A.F;
  return Default;
}

int64_t Op::getInt(llvm::StringRef Key) const {
  assert(hasAttr(Key) && "missing integer attribute");
  return getInt(Key, 0);
}

double Op::getFloat(llvm::StringRef Key) const {
  assert(hasAttr(Key) && "missing float attribute");
  return getFloat(Key, 0.0);
}

Op *Graph::create(OpKind K, llvm::ArrayRef<Value *> Operands,
                  llvm::ArrayRef<TensorType> ResultTypes,
                  llvm::ArrayRef<Attr> Attrs) {
  auto NewOp = std::make_unique<Op>(K, static_cast<unsigned>(Ops.size()));
  Op *O = NewOp.get();
  for (Value *V : Operands) {
    assert(V && "null operand");
    O->Operands.push_back(V);
  }
  for (unsigned I = 0; I < ResultTypes.size(); ++I) {
    Values.push_back(std::make_unique<Value>(
        static_cast<unsigned>(NumValues++), ResultTypes[I], O, I));
    O->Results.push_back(Values.back().get());
  }
  O->Attrs.append(Attrs.begin(), Attrs.end());
  O->SpecLine = Ctx.SpecLine;
  O->Layer = Ctx.Layer;
  O->Tag = Ctx.Tag;
  Ops.push_back(std::move(NewOp));
  return O;
}

void Graph::moveLastBefore(const Op *Pos) {
  assert(!Ops.empty() && "no op to move");
  auto It = std::find_if(Ops.begin(), Ops.end(),
                         [&](const std::unique_ptr<Op> &O) {
                           return O.get() == Pos;
                         });
  assert(It != Ops.end() && "position op not in this graph");
  std::unique_ptr<Op> Last = std::move(Ops.back());
  Ops.pop_back();
  Ops.insert(It, std::move(Last));
}

void Graph::setOperand(Op &User, unsigned I, Value *V) {
  assert(I < User.Operands.size() && V &&
         V->type() == User.Operands[I]->type() && "operand type changes");
  User.Operands[I] = V;
}

Value *Graph::paramRef(Param *P) {
  for (const auto &O : Ops)
    if (O->Kind == OpKind::ParamRef && O->P == P)
      return O->result();
  OpContext Saved = Ctx;
  Ctx = OpContext();
  Ctx.Tag = "params";
  Op *O = create(OpKind::ParamRef, {}, {P->type()});
  O->P = P;
  Ctx = Saved;
  return O->result();
}

Value *Graph::input(llvm::StringRef Name, const TensorType &Ty) {
  for (const auto &O : Ops)
    if (O->Kind == OpKind::Input && O->InputName == Name)
      return O->result();
  OpContext Saved = Ctx;
  Ctx = OpContext();
  Ctx.Tag = "inputs";
  Op *O = create(OpKind::Input, {}, {Ty});
  O->InputName = Name.str();
  Ctx = Saved;
  return O->result();
}
