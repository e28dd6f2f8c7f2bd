//===- runtime/train/Backend.h - Where a training step runs -----*- C++ -*-===//
///
/// \file
/// The trainer drives a Backend: one micro-batch forward+backward (gradients
/// accumulated into the ParamStore's gradient arena), or a forward that
/// returns per-token losses for evaluation. The loop is the same whatever
/// executes it: the CPU interpreter today, generated CUDA kernels on a GPU.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_BACKEND_H
#define HYBC_RUNTIME_TRAIN_BACKEND_H

#include "ir/Model.h"
#include "runtime/train/ParamStore.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <tuple>

namespace hybc {

/// Shape and variant of a step graph.
struct StepShape {
  int64_t Batch = 1, Time = 1;
  bool Recurrence = false;
  bool Qat = false;
  bool operator<(const StepShape &O) const {
    return std::tie(Batch, Time, Recurrence, Qat) <
           std::tie(O.Batch, O.Time, O.Recurrence, O.Qat);
  }
};

class Backend {
public:
  virtual ~Backend();
  virtual llvm::StringRef name() const = 0;
  /// Forward + backward of one micro-batch (X, Y: Batch*Time tokens).
  /// Adds the gradients (already scaled by GradScale) into Store's
  /// gradient arena and returns the micro-batch mean loss.
  virtual llvm::Expected<double> trainMicroStep(const StepShape &S,
                                                llvm::ArrayRef<int32_t> X,
                                                llvm::ArrayRef<int32_t> Y,
                                                ParamStore &Store) = 0;
  /// Forward only: per-token nll (natural log) of Batch*Time targets.
  virtual llvm::Error evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                              llvm::ArrayRef<int32_t> Y,
                              const ParamStore &Store,
                              llvm::MutableArrayRef<float> Nll) = 0;
};

/// The CPU interpreter backend (fp32). GradScale multiplies the loss
/// gradient (1/grad_accum).
std::unique_ptr<Backend> makeCpuBackend(const ir::Model &M, double GradScale);

/// The CUDA backend (generated kernels + cuBLASLt). An error explains why
/// none is available (no driver, no device, built without CUDA).
llvm::Expected<std::unique_ptr<Backend>> makeGpuBackend(const ir::Model &M,
                                                        double GradScale);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_BACKEND_H
