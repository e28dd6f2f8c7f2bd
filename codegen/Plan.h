//===- codegen/Plan.h - A lowered training step ----------------*- C++ -*-===//
///
/// \file
/// The lowered form of an IR graph for the GPU: an ordered list of steps,
/// each a generated kernel launch, a library GEMM (cuBLASLt) or a buffer
/// alias (reshape). Buffers are IR value ids; the runtime assigns each one
/// an arena offset (params, grads, activations). Produced by
/// `lowerToKernels` (codegen/Lowering.h), consumed by runtime/gpu.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_PLAN_H
#define HYBC_CODEGEN_PLAN_H

#include "codegen/KernelSpec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

/// C = op(A) * op(B) on row-major matrices (fp32 master data, bf16 compute
/// with fp32 accumulation on the GPU), optionally accumulating into C.
struct GemmStep {
  unsigned A = 0, B = 0, C = 0; ///< Value ids.
  bool TransA = false, TransB = false;
  int64_t M = 0, N = 0, K = 0;
  bool Accumulate = false; ///< C += ... instead of C = ...
  bool Bf16Operands = false; ///< A and B are bf16 buffers (else fp32).
  bool Bf16Output = false;   ///< C is a bf16 buffer (else fp32).
};

struct PlanStep {
  enum Kind { Kernel, Gemm, Alias } K = Kernel;
  unsigned KernelIndex = 0; ///< Into Plan::Kernels (Kernel steps).
  /// Kernel steps: the value id bound to each arg of the kernel, in ABI
  /// order (kernels are deduplicated by name, so one KernelSpec serves
  /// launches on different buffers; its own Args[i].ValueId is its first
  /// use). Scratch args (KernelArg::Scratch) bind by name instead; their
  /// entry here is 0.
  std::vector<unsigned> Bindings;
  GemmStep G;               ///< Gemm steps.
  /// Alias steps: Dst shares Src's buffer (resolve transitively; the root
  /// has a PlanBuffer). Reshapes alias their input. An accumulating GEMM
  /// `Src = add(X, M)` aliases X to Src: X's producer writes Src's buffer,
  /// then the GEMM adds M into it; these Alias steps all come first in the
  /// plan (Src is defined later). Alias steps launch nothing.
  unsigned Dst = 0, Src = 0;
  /// Reads only parameters (the bf16 copy of a weight): its result is the
  /// same for every micro-batch between two optimizer updates, so the
  /// runtime may skip it after the first and the arena keeps its result
  /// for the whole step.
  bool PerUpdate = false;
  std::string Note;          ///< Provenance (IR op text) for dumps.
};

/// A buffer the plan uses.
struct PlanBuffer {
  unsigned ValueId = 0;
  int64_t Elements = 0;
  enum Role { Param, Grad, Input, Activation } R = Activation;
  unsigned ParamIndex = 0; ///< Param and Grad buffers.
  std::string DType = "f32";
};

/// A scratch buffer shared by name by the kernels that use it. Its
/// contents only live from one kernel to the next kernels of the same
/// lowered op (e.g. row partials -> column sum); size = the largest use.
struct PlanScratch {
  std::string Name;
  int64_t Elements = 0;
};

struct Plan {
  std::vector<KernelSpec> Kernels; ///< Unique by name.
  std::vector<PlanStep> Steps;
  std::vector<PlanBuffer> Buffers; ///< One per non-aliased value used.
  std::vector<PlanScratch> Scratch; ///< Sorted by name.
  // Kernel buffer args are __restrict__: a launch must never bind an output
  // to a buffer that aliases one of its inputs (memory planning).
  unsigned LossValue = 0;
};

} // namespace hybc

#endif // HYBC_CODEGEN_PLAN_H
