//===- runtime/cpu/Interpreter.h - CPU reference interpreter ----*- C++ -*-===//
///
/// \file
/// Executes an ir::Graph on the CPU with the reference kernels of this
/// directory, in fp32 (training on machines without a GPU) or fp64 (the
/// oracle for gradient checks and GPU parity tests). Parameters and inputs
/// are bound by pointer; intermediate buffers are freed after their last
/// use. The graph's output and parameter gradients stay readable after run.
///
/// Example:
///   cpu::Interpreter<float> I(G);
///   I.bindParam(*P, Store.data(*P));   // every Param the graph uses
///   I.bindInput("ids", Ids); I.bindInput("targets", Targets);
///   if (Error E = I.run()) ...;
///   double Loss = I.loss(); const float *DW = I.grad(*P);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_INTERPRETER_H
#define HYBC_RUNTIME_CPU_INTERPRETER_H

#include "ir/Graph.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace hybc {
namespace cpu {

template <typename T> struct Mamba3LayerSaved;

template <typename T> class Interpreter {
public:
  explicit Interpreter(const ir::Graph &G);
  ~Interpreter();

  void bindParam(const ir::Param &P, const T *Data);
  void bindInput(llvm::StringRef Name, const int32_t *Data);
  /// Runs every op; fails on an unbound param or input.
  llvm::Error run();

  /// Scalar loss (mean nll) computed in double.
  double loss() const { return Loss; }
  /// The graph output buffer (per-token nll for per-token graphs).
  const T *output() const;
  /// Gradient of P after run (null if the graph has none for P).
  const T *grad(const ir::Param &P) const;
  /// Any value still alive after run (output, parameter gradients).
  const T *value(const ir::Value &V) const;

  // Used by the per-op executors.
  const T *in(const ir::Value *V) const;
  const int32_t *ids(const ir::Value *V) const;
  T *alloc(const ir::Value *V, bool Zero = false);
  void alias(const ir::Value *Dst, const ir::Value *Src);
  void setLoss(double L) { Loss = L; }
  /// Forward state a Mamba3 op leaves for its backward op, keyed by the id
  /// of the op's in_proj operand.
  std::map<unsigned, std::unique_ptr<Mamba3LayerSaved<T>>> Mamba3Saved;

private:
  struct Slot {
    const T *Ptr = nullptr;
    std::shared_ptr<std::vector<T>> Own;
    const int32_t *Ids = nullptr;
  };
  void computeLastUse();

  const ir::Graph &G;
  std::vector<Slot> Slots;
  std::vector<int> LastUse;
  llvm::DenseMap<const ir::Param *, const T *> Params;
  std::map<std::string, const int32_t *> Inputs;
  double Loss = 0;
};

/// Executes one forward op (defined in InterpForward.cpp).
template <typename T>
llvm::Error execForwardOp(Interpreter<T> &I, const ir::Op &O);
/// Executes one backward op (defined in InterpBackward.cpp).
template <typename T>
llvm::Error execBackwardOp(Interpreter<T> &I, const ir::Op &O);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_INTERPRETER_H
