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

#include "codegen/Manifest.h"
#include "ir/Model.h"
#include "runtime/optim/Ema.h"
#include "runtime/optim/Optimizer.h"
#include "runtime/train/ParamStore.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
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

/// One optimizer step of a device-resident run.
struct ResidentStepArgs {
  int64_t Step = 0;      ///< 0-based training step (Muon momentum warm-up).
  double LrMult = 1.0;   ///< Schedule multiplier.
  int64_t GradAccum = 1; ///< Micro-batches in the step.
  double GradClip = 0;   ///< Max global gradient L2 norm (0: off).
};

struct ResidentStepResult {
  double Loss = 0;          ///< Mean over the micro-batches.
  bool NonFiniteGrads = false; ///< Then no update was made and the
                               ///< gradients were copied to the host store.
};

/// Fills the next micro-batch (inputs, targets).
using NextBatchFn = llvm::function_ref<llvm::Error(
    llvm::SmallVectorImpl<int32_t> &, llvm::SmallVectorImpl<int32_t> &)>;

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

  // Device-resident training (the CUDA backend): parameters, gradients,
  // optimizer state and EMA shadows stay on the device; one call runs a
  // whole step, micro-batches and optimizer included. After startResident
  // evalNll reads the device parameters and the host copies are stale until
  // downloadState.

  /// Every kernel plan run so far and each kernel's resources as loaded
  /// (`--dump-kernels`); false when the backend runs no generated kernels.
  /// The plans stay owned by the backend.
  virtual bool kernelPlans(std::vector<NamedPlan> &Plans,
                           KernelResourceMap &Res) const {
    (void)Plans;
    (void)Res;
    return false;
  }
  /// Most device memory this backend has held at once (0: not a device).
  virtual uint64_t peakDeviceBytes() const { return 0; }

  /// Whether the calls below are available.
  virtual bool supportsResident() const { return false; }
  /// Uploads parameters, optimizer state (configuration from \p Opt) and
  /// the EMA shadows (when \p Ema).
  virtual llvm::Error startResident(const ParamStore &Store,
                                    const optim::Optimizer &Opt,
                                    const optim::Ema *Ema);
  /// All micro-batches, gradient checks and clipping, the optimizer and the
  /// EMA update. On non-finite gradients \p Store's gradients get the
  /// device values (for the error message) and nothing is updated.
  virtual llvm::Expected<ResidentStepResult>
  trainStepResident(const StepShape &S, const ResidentStepArgs &A,
                    NextBatchFn Next, ParamStore &Store);
  /// Copies parameters, optimizer state and EMA shadows to the host.
  virtual llvm::Error downloadState(ParamStore &Store,
                                    optim::OptimizerState &Opt,
                                    optim::Ema *Ema);
  /// Replaces the device parameters with the host ones.
  virtual llvm::Error uploadParams(const ParamStore &Store);
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
