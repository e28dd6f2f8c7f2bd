//===- runtime/cpu/Interpreter.cpp - CPU reference interpreter ------------===//
//
// Buffer management and the op loop; kernels are called from
// InterpForward.cpp and InterpBackward.cpp.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Interpreter.h"
#include "runtime/cpu/Mamba3Layer.h"

#include "llvm/Support/FormatVariadic.h"

#include <cassert>
#include <cmath>

using namespace hybc;
using namespace hybc::cpu;
using namespace hybc::ir;

template <typename T>
Interpreter<T>::Interpreter(const Graph &G) : G(G), Slots(G.numValues()) {
  computeLastUse();
}

template <typename T> Interpreter<T>::~Interpreter() = default;

template <typename T> void Interpreter<T>::computeLastUse() {
  LastUse.assign(G.numValues(), -1);
  int N = static_cast<int>(G.ops().size());
  for (int I = 0; I < N; ++I)
    for (Value *V : G.ops()[I]->operands())
      LastUse[V->id()] = I;
  // Values read after the run stay alive.
  if (G.Output)
    LastUse[G.Output->id()] = N;
  for (const auto &PG : G.ParamGrads)
    LastUse[PG.second->id()] = N;
}

template <typename T>
void Interpreter<T>::bindParam(const Param &P, const T *Data) {
  Params[&P] = Data;
}

template <typename T>
void Interpreter<T>::bindInput(llvm::StringRef Name, const int32_t *Data) {
  Inputs[Name.str()] = Data;
}

template <typename T> const T *Interpreter<T>::in(const Value *V) const {
  const T *P = Slots[V->id()].Ptr;
  assert(P && "reading a value that was never computed or already freed");
  return P;
}

template <typename T>
const int32_t *Interpreter<T>::ids(const Value *V) const {
  const int32_t *P = Slots[V->id()].Ids;
  assert(P && "reading an integer input that is not bound");
  return P;
}

template <typename T> T *Interpreter<T>::alloc(const Value *V, bool Zero) {
  Slot &S = Slots[V->id()];
  S.Own = std::make_shared<std::vector<T>>(V->type().numel());
  (void)Zero; // std::vector value-initialises: always zero.
  S.Ptr = S.Own->data();
  return S.Own->data();
}

template <typename T>
void Interpreter<T>::alias(const Value *Dst, const Value *Src) {
  Slots[Dst->id()] = Slots[Src->id()];
}

template <typename T> const T *Interpreter<T>::output() const {
  return G.Output ? Slots[G.Output->id()].Ptr : nullptr;
}

template <typename T> const T *Interpreter<T>::grad(const Param &P) const {
  for (const auto &PG : G.ParamGrads)
    if (PG.first == &P)
      return Slots[PG.second->id()].Ptr;
  return nullptr;
}

template <typename T> const T *Interpreter<T>::value(const Value &V) const {
  return Slots[V.id()].Ptr;
}

template <typename T> llvm::Error Interpreter<T>::run() {
  int N = static_cast<int>(G.ops().size());
  for (int I = 0; I < N; ++I) {
    const Op &O = *G.ops()[I];
    if (O.kind() == OpKind::ParamRef) {
      auto It = Params.find(O.param());
      if (It == Params.end())
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("interpreter: parameter '{0}' is not bound",
                          O.param()->name())
                .str());
      Slots[O.result()->id()].Ptr = It->second;
    } else if (O.kind() == OpKind::Input) {
      auto It = Inputs.find(O.inputName().str());
      if (It == Inputs.end())
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("interpreter: input '{0}' is not bound",
                          O.inputName())
                .str());
      Slots[O.result()->id()].Ids = It->second;
    } else {
      llvm::Error E = isBackwardOp(O.kind()) ? execBackwardOp(*this, O)
                                             : execForwardOp(*this, O);
      if (E)
        return E;
    }
    for (Value *V : O.operands()) {
      if (LastUse[V->id()] != I)
        continue;
      OpKind K = V->def()->kind();
      Slots[V->id()].Own.reset();
      if (K != OpKind::ParamRef && K != OpKind::Input)
        Slots[V->id()].Ptr = nullptr;
      Mamba3Saved.erase(V->id());
    }
  }
  return llvm::Error::success();
}

namespace hybc {
namespace cpu {
template class Interpreter<float>;
template class Interpreter<double>;
} // namespace cpu
} // namespace hybc
