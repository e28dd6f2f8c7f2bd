//===- codegen/EmitTrainStep.h - Kernels around the step graph --*- C++ -*-===//
///
/// \file
/// Kernels the CUDA backend runs between step graphs when parameters stay
/// on the device: gradient accumulation over micro-batches. Same ABI
/// conventions as codegen/EmitOptimizer.h (role-named fp32 buffers, 1-D
/// grids of 256-thread blocks).
///
/// Example:
/// \code
///   KernelSpec K = emitAccumulate(17059968);
///   // K.Name == "hybc_step_accumulate_n17059968"; args (acc, x): acc += x
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITTRAINSTEP_H
#define HYBC_CODEGEN_EMITTRAINSTEP_H

#include "codegen/KernelSpec.h"

#include <cstdint>

namespace hybc {

/// acc[i] += x[i] for N floats (N a multiple of 4; float4 accesses, so both
/// buffers 16-byte aligned). Args: acc (in/out), x.
KernelSpec emitAccumulate(int64_t N);

} // namespace hybc

#endif // HYBC_CODEGEN_EMITTRAINSTEP_H
