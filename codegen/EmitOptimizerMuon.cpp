//===- codegen/EmitOptimizerMuon.cpp - Muon element-wise helper kernels ---===//
///
/// \file
/// The element-wise and reduction parts of Muon around the cuBLAS
/// Newton-Schulz matmuls (runtime/optim/Muon.cpp, NewtonSchulz.cpp):
/// momentum, in-place scaling, the two-pass Frobenius norm (fp64 partials,
/// deterministic), the division by ‖X‖ + eps and MuonEq-R row
/// normalisation. Example: `auto Ks = emitFrobeniusNorm(512 * 2240);`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitOptimizer.h"
#include "codegen/EmitOptimizerDetail.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace hybc;

namespace {

constexpr int64_t kFroBlocksMax = 1024;

const char kScaleBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kN)
  return;
const float V = __fmul_rn(x[I], s);
x[I] = kRound ? rbf16(V) : V;)";

const char kDivideBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kN)
  return;
const float V = __fdiv_rn(x[I], den[1]);
x[I] = kRound ? rbf16(V) : V;)";

const char kMomentumBody[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kN)
  return;
const float G = grad[I];
const float Bv = __fadd_rn(__fmul_rn(buf[I], mu), G);
buf[I] = Bv;
update[I] = kNesterov ? fmaf(mu, Bv, G) : Bv;)";

/// Block-wide fp64 sum (256 threads, fixed tree order); all threads get it.
const char kBlockSumD[] = R"(
__shared__ double Red[256];
auto blockSum = [&](double V) {
  Red[threadIdx.x] = V;
  __syncthreads();
  for (int O = 128; O > 0; O >>= 1) {
    if ((int)threadIdx.x < O)
      Red[threadIdx.x] += Red[threadIdx.x + O];
    __syncthreads();
  }
  const double R = Red[0];
  __syncthreads();
  return R;
};)";

const char kFroPass1[] = R"(
using namespace hybc_opt;
double S = 0.0;
for (u64 I = elementIndex(); I < (u64)kN; I += (u64)gridDim.x * 256) {
  const double V = x[I];
  S += V * V;
}
S = blockSum(S);
if (threadIdx.x == 0)
  storeSplit(optim_fro_partials, blockIdx.x, S);)";

const char kFroPass2[] = R"(
using namespace hybc_opt;
double S = 0.0;
for (int B = threadIdx.x; B < kBlocks; B += 256)
  S += (double)optim_fro_partials[2 * B] +
       (double)optim_fro_partials[2 * B + 1];
S = blockSum(S);
if (threadIdx.x == 0) {
  const float Norm = (float)sqrt(S);
  out[0] = Norm;
  out[1] = __fadd_rn(Norm, eps);
})";

const char kRowNormBody[] = R"(
using namespace hybc_opt;
float *Row = x + (u64)blockIdx.x * kCols;
double S = 0.0;
for (int C = threadIdx.x; C < kCols; C += 256) {
  const double V = Row[C];
  S += V * V;
}
S = blockSum(S);
const float Den = fmaxf((float)sqrt(S), eps);
for (int C = threadIdx.x; C < kCols; C += 256)
  Row[C] = __fdiv_rn(Row[C], Den);)";

} // namespace

llvm::StringRef hybc::blockSumDoubleText() { return kBlockSumD; }

KernelSpec hybc::emitScaleInplace(int64_t N, bool RoundBf16) {
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_scale_n{0}{1}", N, RoundBf16 ? "_bf16" : ""),
      elementGrid(N), 256);
  K.Args = {roleBufferArg("x", N, true), scalarArg(KernelArg::F32, "s")};
  assembleOptimizer(K, "In-place scale x *= s (Muon shape factor).",
                    {intConst("kN", N), intConst("kRound", RoundBf16)},
                    kScaleBody);
  return K;
}

std::vector<KernelSpec> hybc::emitFrobeniusNorm(int64_t N) {
  const int64_t Blocks = std::min(kFroBlocksMax, ceilDiv(N, 256 * 8));
  KernelSpec P1 =
      makeOptimizerSpec(llvm::formatv("hybc_optim_fro_norm_p1_n{0}", N),
                        static_cast<unsigned>(Blocks), 256);
  P1.Args = {roleBufferArg("x", N, false),
             scratchArg("optim_fro_partials", 2 * Blocks, true)};
  assembleOptimizer(P1,
                    "Frobenius norm pass 1/2: per-block fp64 sums of x^2 as "
                    "(hi, lo) float pairs.",
                    {intConst("kN", N)},
                    (llvm::Twine(kBlockSumD) + kFroPass1).str());
  KernelSpec P2 = makeOptimizerSpec(
      llvm::formatv("hybc_optim_fro_norm_p2_n{0}", N), 1, 256);
  P2.Args = {scratchArg("optim_fro_partials", 2 * Blocks, false),
             roleBufferArg("out", 2, true), scalarArg(KernelArg::F32, "eps")};
  assembleOptimizer(P2,
                    "Frobenius norm pass 2/2: out[0] = ||x||, out[1] = "
                    "||x|| + eps (fixed-order fp64 sum).",
                    {intConst("kBlocks", Blocks)},
                    (llvm::Twine(kBlockSumD) + kFroPass2).str());
  return {std::move(P1), std::move(P2)};
}

KernelSpec hybc::emitDivideByNorm(int64_t N, bool RoundBf16) {
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_div_norm_n{0}{1}", N, RoundBf16 ? "_bf16" : ""),
      elementGrid(N), 256);
  K.Args = {roleBufferArg("x", N, true), roleBufferArg("den", 2, false)};
  assembleOptimizer(K, "x /= den[1] (Newton-Schulz Frobenius normalisation).",
                    {intConst("kN", N), intConst("kRound", RoundBf16)},
                    kDivideBody);
  return K;
}

KernelSpec hybc::emitRowNormalize(int64_t Rows, int64_t Cols) {
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_row_norm_r{0}_c{1}", Rows, Cols),
      static_cast<unsigned>(Rows), 256);
  K.Args = {roleBufferArg("x", Rows * Cols, true),
            scalarArg(KernelArg::F32, "eps")};
  assembleOptimizer(K, "MuonEq-R: rows x_r /= max(||x_r||, eps).",
                    {intConst("kCols", Cols)},
                    (llvm::Twine(kBlockSumD) + kRowNormBody).str());
  return K;
}

KernelSpec hybc::emitMuonMomentum(int64_t N, bool Nesterov) {
  KernelSpec K =
      makeOptimizerSpec(llvm::formatv("hybc_optim_muon_momentum_n{0}{1}", N,
                                      Nesterov ? "_nesterov" : ""),
                        elementGrid(N), 256);
  K.Args = {roleBufferArg("grad", N, false), roleBufferArg("buf", N, true),
            roleBufferArg("update", N, true), scalarArg(KernelArg::F32, "mu")};
  assembleOptimizer(K,
                    "Muon momentum: buf = buf * mu + g; update = g + mu * buf "
                    "(Nesterov) or buf.",
                    {intConst("kN", N), intConst("kNesterov", Nesterov)},
                    kMomentumBody);
  return K;
}
