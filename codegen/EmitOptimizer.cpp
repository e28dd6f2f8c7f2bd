//===- codegen/EmitOptimizer.cpp - Adam, EMA and fake-quant kernels -------===//
///
/// \file
/// Element-wise optimizer kernels (see EmitOptimizer.h for the contracts):
/// one thread per element, 256-thread blocks, 64-bit indices. The Muon
/// helpers live in EmitOptimizerMuon.cpp. Example:
/// `KernelSpec K = emitEmaUpdate(4096); // hybc_optim_ema_n4096`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitOptimizer.h"
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitOptimizerDetail.h"

#include "llvm/Support/FormatVariadic.h"

#include <cassert>

using namespace hybc;

namespace {

const char kOptHelpers[] = R"(
namespace hybc_opt {
typedef unsigned long long u64;
// Round to the nearest bf16 (ties to even), NaN -> 0x7FC00000, as
// runtime/optim/Bf16.h (kept in fp32).
__device__ __forceinline__ float rbf16(float X) {
  unsigned B = __float_as_uint(X);
  if (X != X)
    return __uint_as_float(0x7FC00000u);
  B = (B + 0x7FFFu + ((B >> 16) & 1u)) & 0xFFFF0000u;
  return __uint_as_float(B);
}
__device__ __forceinline__ u64 elementIndex() {
  return (u64)blockIdx.x * blockDim.x + threadIdx.x;
}
// An fp64 partial sum as a (hi, lo) float pair at P[2 * I].
__device__ __forceinline__ void storeSplit(float *P, unsigned I, double S) {
  const float Hi = (float)S;
  P[2 * I] = Hi;
  P[2 * I + 1] = (float)(S - (double)Hi);
}
} // namespace hybc_opt
)";

const char kAdamBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kN)
  return;
float P = param[I];
float G = kBf16 ? rbf16(grad[I]) : grad[I];
if (weight_decay != 0.f) {
  if (wd_mode == 0)
    G = __fadd_rn(G, __fmul_rn(P, weight_decay));
  else
    P = __fsub_rn(P, __fmul_rn(__fmul_rn(lr, weight_decay), P));
}
const float M = fmaf(beta1, exp_avg[I], fmaf(-beta1, G, G));
const float G2 = __fmul_rn(G, G);
const float V = fmaf(beta2, exp_avg_sq[I], fmaf(-beta2, G2, G2));
const float Denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(V), bias_corr2_sqrt), eps);
P = __fsub_rn(P, __fdiv_rn(__fmul_rn(step_size, M), Denom));
param[I] = kBf16 ? rbf16(P) : P;
exp_avg[I] = kBf16 ? rbf16(M) : M;
exp_avg_sq[I] = kBf16 ? rbf16(V) : V;)";

const char kEmaBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kN)
  return;
shadow[I] = fmaf(one_minus_decay, param[I], __fmul_rn(shadow[I], decay));)";

const char kFakeQuantBody[] = R"(
using namespace hybc_opt;
__shared__ float Red[kThreads / 32];
const float *Row = w + (u64)blockIdx.x * kCols;
float *Dst = out + (u64)blockIdx.x * kCols;
float M = 0.f;
for (int C = threadIdx.x; C < kCols; C += kThreads)
  M = fmaxf(M, fabsf(Row[C]));
#pragma unroll
for (int O = 16; O > 0; O >>= 1)
  M = fmaxf(M, __shfl_xor_sync(0xffffffffu, M, O));
if ((threadIdx.x & 31) == 0)
  Red[threadIdx.x >> 5] = M;
__syncthreads();
M = Red[0];
for (int I = 1; I < kThreads / 32; ++I)
  M = fmaxf(M, Red[I]);
const float Scale = fmaxf(__fdiv_rn(M, kQMax), __fdiv_rn(1.f, kQMax));
for (int C = threadIdx.x; C < kCols; C += kThreads) {
  const float Q = rintf(__fdiv_rn(Row[C], Scale));
  Dst[C] = __fmul_rn(fminf(fmaxf(Q, -kQMax), kQMax), Scale);
})";

} // namespace

llvm::StringRef hybc::optimizerHelpersText() { return kOptHelpers; }

KernelSpec hybc::makeOptimizerSpec(const std::string &Name, unsigned Grid,
                                   unsigned Threads) {
  KernelSpec K;
  K.Name = Name;
  K.Family = "optimizer";
  K.Grid[0] = Grid;
  K.Block[0] = Threads;
  return K;
}

void hybc::assembleOptimizer(KernelSpec &K, llvm::StringRef Summary,
                             llvm::ArrayRef<std::string> Consts,
                             llvm::StringRef Body) {
  SourceWriter W;
  writeKernelHeader(W, K, {}, "- (runtime optimizer step, no IR op)", Summary);
  emitVerbatim(W, kOptHelpers);
  W.open("namespace hybc_opt");
  for (const std::string &C : Consts)
    W.line(C);
  W.close("  // namespace hybc_opt");
  openKernel(W, K, K.Block[0]);
  emitVerbatim(W, Body);
  W.close();
  finishKernel(K, W);
}

unsigned hybc::elementGrid(int64_t N) {
  assert(N > 0 && "optimizer kernels need a non-empty tensor");
  return static_cast<unsigned>(ceilDiv(N, 256));
}

std::string hybc::intConst(llvm::StringRef Name, int64_t V) {
  SourceWriter W;
  constInt(W, Name, V);
  return llvm::StringRef(W.str()).rtrim().str();
}

KernelSpec hybc::emitAdamStep(int64_t N, bool Bf16Param) {
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_adam_n{0}{1}", N, Bf16Param ? "_bf16" : ""),
      elementGrid(N), 256);
  K.Args = {roleBufferArg("param", N, true), roleBufferArg("grad", N, false),
            roleBufferArg("exp_avg", N, true),
            roleBufferArg("exp_avg_sq", N, true)};
  for (const char *S : {"lr", "beta1", "beta2", "eps", "weight_decay",
                        "step_size", "bias_corr2_sqrt"})
    K.Args.push_back(scalarArg(KernelArg::F32, S));
  K.Args.push_back(scalarArg(KernelArg::I64, "wd_mode"));
  assembleOptimizer(K,
                    "Adam step with torch fused-Adam rounding (runtime/optim/"
                    "Adam.cpp); bf16 params round every store.",
                    {intConst("kN", N), intConst("kBf16", Bf16Param)},
                    kAdamBody);
  return K;
}

KernelSpec hybc::emitEmaUpdate(int64_t N) {
  KernelSpec K = makeOptimizerSpec(llvm::formatv("hybc_optim_ema_n{0}", N),
                                   elementGrid(N), 256);
  K.Args = {roleBufferArg("shadow", N, true), roleBufferArg("param", N, false),
            scalarArg(KernelArg::F32, "decay"),
            scalarArg(KernelArg::F32, "one_minus_decay")};
  assembleOptimizer(K, "EMA of weights: s = fma(1 - d, p, s * d).",
                    {intConst("kN", N)}, kEmaBody);
  return K;
}

KernelSpec hybc::emitFakeQuantRows(int64_t Rows, int64_t Cols, int Bits) {
  assert(Bits >= 2 && Bits <= 16 && Rows > 0 && Cols > 0 && "bad fake quant");
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_fake_quant_r{0}_c{1}_b{2}", Rows, Cols, Bits),
      static_cast<unsigned>(Rows), 256);
  K.Args = {roleBufferArg("w", Rows * Cols, false),
            roleBufferArg("out", Rows * Cols, true)};
  SourceWriter C;
  constFloat(C, "kQMax", static_cast<double>((1 << (Bits - 1)) - 1));
  assembleOptimizer(K,
                    "Per-row symmetric fake quantisation (runtime/cpu/"
                    "Quant.cpp), one block per row.",
                    {intConst("kCols", Cols), intConst("kThreads", 256),
                     llvm::StringRef(C.str()).rtrim().str()},
                    kFakeQuantBody);
  return K;
}
