//===- runtime/train/GpuBackendImpl.h - The CUDA backend --------*- C++ -*-===//
///
/// \file
/// Internal to runtime/train: the CUDA backend's class, split over
/// GpuBackend.cpp (per-shape plans, launches, the host-synchronised
/// micro-step and evaluation) and GpuResident.cpp (device-resident training:
/// parameters, gradients, optimizer state and EMA on the device).
///
/// Parameters and gradients always live in backend-wide device arrays laid
/// out by GpuParamLayout, shared by every step shape's plan (their arenas
/// hold only activations and inputs). In the host-synchronised mode
/// (trainMicroStep, used by tests and the CPU-parity checks) parameters are
/// uploaded and gradients added back into the ParamStore each micro-step.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_GPUBACKENDIMPL_H
#define HYBC_RUNTIME_TRAIN_GPUBACKENDIMPL_H

#ifdef HYBC_HAVE_CUDA

#include "codegen/Plan.h"
#include "ir/Graph.h"
#include "runtime/gpu/Arena.h"
#include "runtime/gpu/Blas.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/GpuModule.h"
#include "runtime/gpu/GpuOptions.h"
#include "runtime/gpu/KernelCache.h"
#include "runtime/gpu/KernelTimer.h"
#include "runtime/train/Backend.h"
#include "runtime/train/GpuLayout.h"

#include <map>
#include <memory>
#include <string>

namespace hybc {

class GpuOptimizer;

namespace gpu_backend {

/// Everything prepared for one step shape.
struct Prepared {
  std::unique_ptr<ir::Graph> G;
  Plan P;
  std::unique_ptr<gpu::GpuModule> Mod;
  std::unique_ptr<gpu::DeviceArena> Arena;
  std::map<std::string, gpu::CuDevicePtr> Scratch;
  unsigned Ids = 0, Targets = 0;
  /// Resident micro-steps: after one eager run (autotuning, lazy loading)
  /// the plan run + gradient accumulation is captured once and replayed:
  /// Graphs[0] runs every step, Graphs[1] skips the PerUpdate ones (the
  /// weight copies, still valid from an earlier micro-batch).
  int64_t EagerRuns = 0;
  gpu::CuGraphExec Graphs[2] = {nullptr, nullptr};
};

/// A single generated kernel outside any plan (accumulate, norms, EMA).
struct Helper {
  KernelSpec Spec;
  std::unique_ptr<gpu::GpuModule> Mod;
};

class GpuBackend : public Backend {
public:
  GpuBackend(const ir::Model &M, double GradScale, gpu::CudaDriver &D,
             std::unique_ptr<gpu::Blas> B, std::unique_ptr<gpu::KernelCache> C,
             gpu::NvrtcOptions O, const gpu::GpuOptions &GO);
  ~GpuBackend() override;
  llvm::StringRef name() const override { return "cuda"; }

  /// Allocates the resident parameter and gradient arrays.
  llvm::Error init();

  llvm::Expected<double> trainMicroStep(const StepShape &S,
                                        llvm::ArrayRef<int32_t> X,
                                        llvm::ArrayRef<int32_t> Y,
                                        ParamStore &Store) override;
  llvm::Error evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                      llvm::ArrayRef<int32_t> Y, const ParamStore &Store,
                      llvm::MutableArrayRef<float> Nll) override;

  bool supportsResident() const override { return true; }
  bool kernelPlans(std::vector<NamedPlan> &Plans,
                   KernelResourceMap &Res) const override;
  uint64_t peakDeviceBytes() const override {
    return D.peakAllocatedBytes();
  }
  llvm::Error startResident(const ParamStore &Store,
                            const optim::Optimizer &Opt,
                            const optim::Ema *Ema) override;
  llvm::Expected<ResidentStepResult>
  trainStepResident(const StepShape &S, const ResidentStepArgs &A,
                    NextBatchFn Next, ParamStore &Store) override;
  llvm::Error downloadState(ParamStore &Store, optim::OptimizerState &Opt,
                            optim::Ema *Ema) override;
  llvm::Error uploadParams(const ParamStore &Store) override;

private:
  llvm::Expected<Prepared *> prepare(const StepShape &S, bool Train);
  /// prepare(), the parameters (unless resident) and inputs uploaded, then
  /// the plan launched: what a host-synchronised micro-step and an
  /// evaluation share.
  llvm::Expected<Prepared *> runShape(const StepShape &S, bool Train,
                                      llvm::ArrayRef<int32_t> X,
                                      llvm::ArrayRef<int32_t> Y,
                                      const ParamStore &Store);
  /// Arena (resident parameters and gradients) and scratch of a new shape.
  llvm::Error allocateShape(Prepared &P);
  llvm::Error uploadInputs(Prepared &P, llvm::ArrayRef<int32_t> X,
                           llvm::ArrayRef<int32_t> Y);
  /// Launches P's steps; with \p SkipPerUpdate, not its PerUpdate steps
  /// (only while CopiesFresh == &P).
  llvm::Error runPlan(Prepared &P, bool SkipPerUpdate = false);
  llvm::Error launch(Prepared &P, const PlanStep &S);
  /// The captured part of a resident micro-step: the plan, then the
  /// gradient accumulation (and a gradient memset when the plan leaves
  /// some parameters without one).
  llvm::Error runMicroBody(Prepared &P, bool SkipPerUpdate);
  /// Runs runMicroBody through P's CUDA graph (captured on first use).
  llvm::Error runMicroGraph(Prepared &P, bool SkipPerUpdate);
  void dropGraphs();
  /// Compiles and loads one helper kernel (cached by name).
  llvm::Expected<Helper *> helper(const KernelSpec &K);
  llvm::Error launchHelper(const KernelSpec &K,
                           llvm::ArrayRef<gpu::LaunchArg> Args);
  /// Clipping (when asked and needed), the optimizer and the EMA update.
  llvm::Error applyUpdate(const ResidentStepArgs &A, double Norm);
  /// Device L2 norm of the accumulated gradients (synchronises).
  llvm::Expected<double> gradNorm();
  llvm::Error microStepResident(const StepShape &S, int64_t Micro,
                                NextBatchFn Next);
  void report();

  const ir::Model &M;
  double GradScale;
  gpu::CudaDriver &D;
  std::unique_ptr<gpu::Blas> Blas;
  std::unique_ptr<gpu::KernelCache> Cache;
  gpu::NvrtcOptions Opts;
  const gpu::GpuOptions &GO;
  std::map<std::pair<StepShape, bool>, std::unique_ptr<Prepared>> Shapes;
  std::map<std::string, std::unique_ptr<Helper>> Helpers;
  std::unique_ptr<gpu::KernelTimer> Timer; ///< HYBC_DEBUG>=2.
  gpu::CuStream Stream = nullptr; ///< Every launch (blocking: the legacy
                                  ///< stream still orders against it).
  /// The plan whose PerUpdate results (bf16 weight copies) sit in the
  /// shared activation buffer and match the current parameters; null after
  /// a parameter update, an upload or a move of that buffer.
  Prepared *CopiesFresh = nullptr;
  bool UseGraphs = true;          ///< HYBC_CUDA_GRAPH, off while timing.
  int64_t TimedSteps = 0;                  ///< Resident steps timed.

  GpuParamLayout Layout;
  gpu::CuDevicePtr Params = 0, Grads = 0; ///< Layout-shaped arrays.
  gpu::CuDevicePtr Acts = 0; ///< Activations of every plan (one at a time).
  uint64_t ActBytes = 0;
  gpu::CuDevicePtr AccGrads = 0;          ///< Resident: summed gradients.
  gpu::CuDevicePtr Losses = 0;            ///< Resident: loss per micro.
  gpu::CuDevicePtr Ema = 0;               ///< Resident: EMA shadows.
  gpu::CuDevicePtr NormOut = 0, NormScratch = 0;
  int64_t LossSlots = 0;
  float EmaDecay = 0;
  bool Resident = false;
  std::unique_ptr<GpuOptimizer> Opt;
  /// Resident step kernels outside the plans (startResident).
  struct {
    KernelSpec Accumulate, NormPass1, NormPass2, Scale, Ema;
  } StepKs;
};

} // namespace gpu_backend
} // namespace hybc

#endif // HYBC_HAVE_CUDA
#endif // HYBC_RUNTIME_TRAIN_GPUBACKENDIMPL_H
