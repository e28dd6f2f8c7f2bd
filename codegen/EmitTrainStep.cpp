//===- codegen/EmitTrainStep.cpp - Kernels around the step graph ----------===//
///
/// \file
/// Gradient accumulation for device-resident training (EmitTrainStep.h).
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitTrainStep.h"
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitOptimizerDetail.h"

#include "llvm/Support/FormatVariadic.h"

#include <cassert>

using namespace hybc;

namespace {
const char kAccumulateBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)(kN / 4))
  return;
float4 A = reinterpret_cast<float4 *>(acc)[I];
const float4 X = reinterpret_cast<const float4 *>(x)[I];
A.x += X.x;
A.y += X.y;
A.z += X.z;
A.w += X.w;
reinterpret_cast<float4 *>(acc)[I] = A;)";
} // namespace

KernelSpec hybc::emitAccumulate(int64_t N) {
  assert(N > 0 && N % 4 == 0 && "accumulate needs a multiple of 4 floats");
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_step_accumulate_n{0}", N), elementGrid(N / 4), 256);
  K.Args = {roleBufferArg("acc", N, true), roleBufferArg("x", N, false)};
  assembleOptimizer(K, "Gradient accumulation over micro-batches: acc += x.",
                    {intConst("kN", N)}, kAccumulateBody);
  return K;
}
