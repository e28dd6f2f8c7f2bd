//===- runtime/train/GpuOptimizer.h - Muon + Adam on the device -*- C++ -*-===//
///
/// \file
/// optim::Optimizer::step on device-resident parameters and gradients laid
/// out by GpuParamLayout, one segment at a time and never one matrix at a
/// time. A Muon segment (Count matrices R x C, equally strided) runs:
/// momentum (one launch over the segment), MuonEq-R rows (optional), the
/// per-matrix Frobenius normalisation (two launches), Newton-Schulz with
/// strided-batched cuBLASLt GEMMs (per iteration: A = X X^T, or X^T X when
/// R > C, so nothing is transposed; c*A; (c*A) A; B = b*A + (c*A) A;
/// B X, or X B^T; X = a*X + ...), then the shape scale and the decoupled
/// update in one launch. Each Adam segment is one emitAdamStep launch. The
/// rounding points are those of runtime/optim in Precision::Bf16Compiled
/// (or Fp32, which needs a Blas with GemmPrecision::Fp32); GEMM summation
/// order differs from the CPU, so Muon agrees to bf16 noise, Adam exactly.
///
/// Every parameter has a gradient (a zero gradient still moves Muon momentum
/// and advances every Adam step count, unlike a missing one on the CPU).
///
/// Example:
/// \code
///   GpuParamLayout L = layoutParams(M);
///   auto Opt = GpuOptimizer::create(D, Blas, Cache, Nvrtc, M, L, Cfg);
///   if (!Opt) return Opt.takeError();
///   if (Error E = (*Opt)->step(Params, Grads, Step, LrMult, Stream))
///     return E;
///   optim::OptimizerState S;
///   if (Error E = (*Opt)->download(S)) return E; // checkpoint
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_GPUOPTIMIZER_H
#define HYBC_RUNTIME_TRAIN_GPUOPTIMIZER_H

#include "ir/Model.h"
#include "runtime/optim/Optimizer.h"
#include "runtime/train/GpuLayout.h"

#include "llvm/Support/Error.h"

#ifdef HYBC_HAVE_CUDA
#include "codegen/KernelSpec.h"
#include "runtime/gpu/Blas.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/GpuModule.h"
#include "runtime/gpu/KernelCache.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace hybc {

/// The kernels, launch order and scratch sizes of one optimizer step;
/// computed without a GPU.
struct GpuOptimizerPlan {
  /// A Muon segment and the index (into Kernels) of each of its kernels.
  struct Muon {
    unsigned Segment = 0; ///< Into GpuParamLayout::Segments.
    int64_t Count = 0, Rows = 0, Cols = 0, Stride = 0;
    int64_t Small = 0;       ///< min(Rows, Cols): the Gram matrix side.
    int64_t GramStride = 0;  ///< Floats between Gram matrices.
    bool Transposed = false; ///< Rows > Cols: A = X^T X, X B^T.
    float Scale = 1.0f;      ///< float(sqrt(max(1, Rows/Cols))).
    unsigned Momentum = 0, FroSum = 0, FroDiv = 0, Gram = 0, Poly = 0;
    unsigned UpdateFirst = 0, Update = 0, Apply = 0;
    int RowNorm = -1; ///< MuonEq-R kernel, or -1.
  };
  /// An Adam segment: its group and its kernel.
  struct Adam {
    unsigned Segment = 0;
    optim::ParamGroup Group = optim::ParamGroup::AdamScalar;
    unsigned Kernel = 0;
  };
  std::vector<KernelSpec> Kernels; ///< Unique by name.
  std::vector<Muon> MuonSegs;
  std::vector<Adam> AdamSegs;
  uint64_t SlotFloats = 0;    ///< Largest Muon Count*Stride (U, X, BX).
  uint64_t GramFloats = 0;    ///< Largest Count*GramStride (A, cA, AA).
  uint64_t PartialFloats = 0; ///< Largest Frobenius partials array.
  unsigned Launches = 0;      ///< Kernel launches + GEMMs per step.
  unsigned Gemms = 0;         ///< Of which strided-batched GEMMs.
};

/// Plans the step for \p L under \p Cfg. Errors: Precision::Bf16Eager
/// (not emulated on the device).
llvm::Expected<GpuOptimizerPlan>
planGpuOptimizer(const GpuParamLayout &L, const optim::OptimizerConfig &Cfg);

/// An OptimizerState registering every parameter of \p M (model order,
/// Rows = first dimension of a matrix, else 1), all zero: the layout the
/// trainer's host optimizer has.
optim::OptimizerState optimizerStateLayout(const ir::Model &M);

/// Muon + Adam over device arrays laid out by a GpuParamLayout.
class GpuOptimizer {
public:
  /// Compiles its kernels through \p C (gpu::GpuModule::build) and
  /// allocates zeroed state (Muon momentum per Muon segment, Adam moments
  /// per Adam segment) and the Newton-Schulz scratch shared by segments.
  static llvm::Expected<std::unique_ptr<GpuOptimizer>>
  create(gpu::CudaDriver &D, gpu::Blas &B, gpu::KernelCache &C,
         const gpu::NvrtcOptions &O, const ir::Model &M,
         const GpuParamLayout &L, const optim::OptimizerConfig &Cfg);
  ~GpuOptimizer();
  GpuOptimizer(const GpuOptimizer &) = delete;
  GpuOptimizer &operator=(const GpuOptimizer &) = delete;

  /// One optimizer step on \p Params (in/out) and \p Grads (read only), both
  /// laid out by the layout, enqueued on \p S without host synchronisation.
  /// Scalars as the CPU computes them: muonMomentum(Step), lr = BaseLr *
  /// LrMult, Adam bias corrections from the Adam step count.
  llvm::Error step(gpu::CuDevicePtr Params, gpu::CuDevicePtr Grads,
                   int64_t Step, double LrMult, gpu::CuStream S);

  /// The state as optim::OptimizerState (Buf0/Buf1 per parameter,
  /// AdamStep, StepsTaken), so a GPU checkpoint resumes on the CPU. Waits
  /// for the device.
  llvm::Error download(optim::OptimizerState &Out);
  /// Replaces the state with \p In (same layout as optimizerStateLayout;
  /// the Adam step counts of one segment must agree). Waits for the device.
  llvm::Error upload(const optim::OptimizerState &In);

  const GpuOptimizerPlan &plan() const { return P; }

private:
  GpuOptimizer(gpu::CudaDriver &D, gpu::Blas &B, const ir::Model &M,
               const GpuParamLayout &L, const optim::OptimizerConfig &Cfg)
      : D(D), B(B), M(M), L(L), Cfg(Cfg) {}
  llvm::Expected<gpu::CuDevicePtr> alloc(uint64_t Floats);
  llvm::Error allocate();
  llvm::Error launch(unsigned K, llvm::ArrayRef<gpu::LaunchArg> Args,
                     gpu::CuStream S);
  llvm::Error muonStep(const GpuOptimizerPlan::Muon &G, gpu::CuDevicePtr Prm,
                       gpu::CuDevicePtr Grd, float Mu, double Lr,
                       gpu::CuStream S);
  llvm::Error newtonSchulz(const GpuOptimizerPlan::Muon &G, gpu::CuStream S);
  llvm::Error adamStep(const GpuOptimizerPlan::Adam &G, gpu::CuDevicePtr Prm,
                       gpu::CuDevicePtr Grd, double LrMult, gpu::CuStream S);

  gpu::CudaDriver &D;
  gpu::Blas &B;
  const ir::Model &M;
  GpuParamLayout L;
  optim::OptimizerConfig Cfg;
  GpuOptimizerPlan P;
  std::unique_ptr<gpu::GpuModule> Mod;
  std::vector<gpu::CuDevicePtr> Owned; ///< Freed on destruction.
  /// Per layout segment: Muon momentum or Adam exp_avg, and exp_avg_sq.
  std::vector<gpu::CuDevicePtr> Buf0, Buf1;
  std::vector<int64_t> AdamSteps; ///< Per layout segment.
  gpu::CuDevicePtr First = 0, X = 0, BX = 0, A = 0, CA = 0, AA = 0;
  gpu::CuDevicePtr Partials = 0;
  int64_t StepsTaken = 0;
};

} // namespace hybc

#endif // HYBC_HAVE_CUDA

#endif // HYBC_RUNTIME_TRAIN_GPUOPTIMIZER_H
