//===- codegen/EmitOptimizerBatched.cpp - Segment-wide Muon kernels -------===//
///
/// \file
/// The element-wise and reduction phases of Muon for a whole GpuLayout
/// segment (Count equally strided matrices) in one launch each, around the
/// strided-batched cuBLASLt Newton-Schulz GEMMs: per-matrix Frobenius
/// normalisation (fp64 partials, fixed order), MuonEq-R rows, the three
/// bf16-rounding phases of one Newton-Schulz iteration and the final
/// update. The rounding points are those of runtime/optim/NewtonSchulz.cpp
/// in Precision::Bf16Compiled (with RoundBf16) or Fp32 (without).
/// Element-wise kernels run one thread per slot float and skip the padding.
/// Example: `KernelSpec K = emitNsGram(18, 512 * 512, 262144, true);`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitOptimizer.h"
#include "codegen/EmitOptimizerDetail.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cassert>

using namespace hybc;

namespace {

constexpr int64_t kPartsMax = 256;

/// Slot-aware element index: returns for the padding of a slot.
const char kSlotGuard[] = R"(
using namespace hybc_opt;
const u64 I = elementIndex();
if (I >= (u64)kCount * (u64)kStride || I % (u64)kStride >= (u64)kN)
  return;)";

const char kGramBody[] = R"(
const float A = kRound ? rbf16(a[I]) : a[I];
a[I] = A;
const float Ca = __fmul_rn(coef, A);
ca[I] = kRound ? rbf16(Ca) : Ca;)";

const char kPolyBody[] = R"(
const float Aa = kRound ? rbf16(aa[I]) : aa[I];
const float Ba = __fmul_rn(coef, a[I]);
const float V = __fadd_rn(kRound ? rbf16(Ba) : Ba, Aa);
a[I] = kRound ? rbf16(V) : V;)";

/// The update body; the source of the a*X term is appended.
const char kUpdateHead[] = R"(
const float Bx = kRound ? rbf16(bx[I]) : bx[I];
const float Ax = __fmul_rn(coef, )";

const char kUpdateTail[] = R"();
const float V = __fadd_rn(kRound ? rbf16(Ax) : Ax, Bx);
x[I] = kRound ? rbf16(V) : V;)";

const char kApplyBody[] = R"(
float U = update[I];
if (kScaled) {
  U = __fmul_rn(U, scale);
  U = kRound ? rbf16(U) : U;
}
const float P = decay ? __fmul_rn(param[I], keep) : param[I];
param[I] = fmaf(alpha, U, P);)";

const char kFroSum[] = R"(
using namespace hybc_opt;
const int M = blockIdx.x / kParts, Part = blockIdx.x % kParts;
const float *X = first + (u64)M * kStride;
double S = 0.0;
for (u64 J = (u64)Part * 256 + threadIdx.x; J < (u64)kN;
     J += (u64)kParts * 256) {
  const double V = X[J];
  S += V * V;
}
S = blockSum(S);
if (threadIdx.x == 0)
  storeSplit(optim_fro_partials, blockIdx.x, S);)";

const char kFroDiv[] = R"(
using namespace hybc_opt;
const int M = blockIdx.x / kParts, Part = blockIdx.x % kParts;
double S = 0.0;
if ((int)threadIdx.x < kParts) {
  const int B = M * kParts + threadIdx.x;
  S = (double)optim_fro_partials[2 * B] +
      (double)optim_fro_partials[2 * B + 1];
}
S = blockSum(S);
const float Den = __fadd_rn((float)sqrt(S), eps);
float *F = first + (u64)M * kStride;
float *Xm = x + (u64)M * kStride;
for (u64 J = (u64)Part * 256 + threadIdx.x; J < (u64)kN;
     J += (u64)kParts * 256) {
  const float V = __fdiv_rn(F[J], Den);
  F[J] = V;
  Xm[J] = kRound ? rbf16(V) : V;
})";

const char kRowNormBody[] = R"(
using namespace hybc_opt;
float *Row = x + (u64)(blockIdx.x / kRows) * kStride +
             (u64)(blockIdx.x % kRows) * kCols;
double S = 0.0;
for (int C = threadIdx.x; C < kCols; C += 256) {
  const double V = Row[C];
  S += V * V;
}
S = blockSum(S);
const float Den = fmaxf((float)sqrt(S), eps);
for (int C = threadIdx.x; C < kCols; C += 256)
  Row[C] = __fdiv_rn(Row[C], Den);)";

/// "b18_n262144_s262144" (+ "_bf16").
std::string segmentTag(int64_t Count, int64_t N, int64_t Stride, bool Round) {
  assert(Count > 0 && N > 0 && Stride >= N && "bad optimizer segment");
  return llvm::formatv("b{0}_n{1}_s{2}{3}", Count, N, Stride,
                       Round ? "_bf16" : "");
}

/// An element-wise kernel over a segment: name, grid and constants.
KernelSpec slotKernel(llvm::StringRef Stem, int64_t Count, int64_t N,
                      int64_t Stride, bool Round, llvm::StringRef Extra = "") {
  return makeOptimizerSpec(
      ("hybc_optim_" + Stem + "_" + segmentTag(Count, N, Stride, Round) + Extra)
          .str(),
      elementGrid(Count * Stride), 256);
}

std::vector<std::string> slotConsts(int64_t Count, int64_t N, int64_t Stride,
                                    bool Round) {
  return {intConst("kCount", Count), intConst("kN", N),
          intConst("kStride", Stride), intConst("kRound", Round)};
}

int64_t partsPerMatrix(int64_t N) {
  return std::min(kPartsMax, ceilDiv(N, 256 * 8));
}

} // namespace

std::vector<KernelSpec> hybc::emitBatchedFrobeniusNormalize(int64_t Count,
                                                            int64_t N,
                                                            int64_t Stride,
                                                            bool RoundBf16) {
  const int64_t Parts = partsPerMatrix(N);
  const unsigned Grid = static_cast<unsigned>(Count * Parts);
  const int64_t NPart = 2 * Count * Parts;
  std::vector<std::string> Consts = slotConsts(Count, N, Stride, RoundBf16);
  Consts.push_back(intConst("kParts", Parts));
  KernelSpec P1 = makeOptimizerSpec(
      "hybc_optim_bfro_sum_" + segmentTag(Count, N, Stride, false), Grid, 256);
  P1.Args = {roleBufferArg("first", Count * Stride, false),
             scratchArg("optim_fro_partials", NPart, true)};
  assembleOptimizer(P1,
                    "Batched Frobenius norm 1/2: per-block fp64 sums of x^2 "
                    "of every matrix as (hi, lo) float pairs.",
                    Consts, (blockSumDoubleText() + kFroSum).str());
  KernelSpec P2 = makeOptimizerSpec("hybc_optim_bfro_div_" +
                                        segmentTag(Count, N, Stride, RoundBf16),
                                    Grid, 256);
  P2.Args = {scratchArg("optim_fro_partials", NPart, false),
             roleBufferArg("first", Count * Stride, true),
             roleBufferArg("x", Count * Stride, true),
             scalarArg(KernelArg::F32, "eps")};
  assembleOptimizer(P2,
                    "Batched Frobenius norm 2/2: first /= ||first|| + eps per "
                    "matrix; x = first (bf16 when rounding).",
                    Consts, (blockSumDoubleText() + kFroDiv).str());
  return {std::move(P1), std::move(P2)};
}

KernelSpec hybc::emitBatchedRowNormalize(int64_t Count, int64_t Rows,
                                         int64_t Cols, int64_t Stride) {
  KernelSpec K = makeOptimizerSpec(
      llvm::formatv("hybc_optim_brow_norm_b{0}_r{1}_c{2}_s{3}", Count, Rows,
                    Cols, Stride),
      static_cast<unsigned>(Count * Rows), 256);
  K.Args = {roleBufferArg("x", Count * Stride, true),
            scalarArg(KernelArg::F32, "eps")};
  assembleOptimizer(K, "Batched MuonEq-R: rows x_r /= max(||x_r||, eps).",
                    {intConst("kRows", Rows), intConst("kCols", Cols),
                     intConst("kStride", Stride)},
                    (blockSumDoubleText() + kRowNormBody).str());
  return K;
}

KernelSpec hybc::emitNsGram(int64_t Count, int64_t N, int64_t Stride,
                            bool RoundBf16) {
  KernelSpec K = slotKernel("ns_gram", Count, N, Stride, RoundBf16);
  K.Args = {roleBufferArg("a", Count * Stride, true),
            roleBufferArg("ca", Count * Stride, true),
            scalarArg(KernelArg::F32, "coef")};
  assembleOptimizer(K, "Newton-Schulz: a = r(a); ca = r(c * a).",
                    slotConsts(Count, N, Stride, RoundBf16),
                    (llvm::Twine(kSlotGuard) + kGramBody).str());
  return K;
}

KernelSpec hybc::emitNsPoly(int64_t Count, int64_t N, int64_t Stride,
                            bool RoundBf16) {
  KernelSpec K = slotKernel("ns_poly", Count, N, Stride, RoundBf16);
  K.Args = {roleBufferArg("a", Count * Stride, true),
            roleBufferArg("aa", Count * Stride, false),
            scalarArg(KernelArg::F32, "coef")};
  assembleOptimizer(K, "Newton-Schulz: a = r(r(b * a) + r(aa)) (B in A).",
                    slotConsts(Count, N, Stride, RoundBf16),
                    (llvm::Twine(kSlotGuard) + kPolyBody).str());
  return K;
}

KernelSpec hybc::emitNsUpdate(int64_t Count, int64_t N, int64_t Stride,
                              bool FromFirst, bool RoundBf16) {
  KernelSpec K = slotKernel("ns_update", Count, N, Stride, RoundBf16,
                            FromFirst ? "_first" : "");
  K.Args = {roleBufferArg("x", Count * Stride, true)};
  if (FromFirst)
    K.Args.push_back(roleBufferArg("first", Count * Stride, false));
  K.Args.push_back(roleBufferArg("bx", Count * Stride, false));
  K.Args.push_back(scalarArg(KernelArg::F32, "coef"));
  std::string Body = std::string(kSlotGuard) + kUpdateHead +
                     (FromFirst ? "first[I]" : "x[I]") + kUpdateTail;
  assembleOptimizer(K, "Newton-Schulz: x = r(r(a * src) + r(bx)).",
                    slotConsts(Count, N, Stride, RoundBf16), Body);
  return K;
}

KernelSpec hybc::emitMuonApplyBatched(int64_t Count, int64_t N, int64_t Stride,
                                      bool Scaled, bool RoundBf16) {
  KernelSpec K = slotKernel("muon_apply", Count, N, Stride, RoundBf16,
                            Scaled ? "_scaled" : "");
  K.Args = {roleBufferArg("param", Count * Stride, true),
            roleBufferArg("update", Count * Stride, false)};
  for (const char *S : {"scale", "keep", "alpha"})
    K.Args.push_back(scalarArg(KernelArg::F32, S));
  K.Args.push_back(scalarArg(KernelArg::I64, "decay"));
  std::vector<std::string> Consts = slotConsts(Count, N, Stride, RoundBf16);
  Consts.push_back(intConst("kScaled", Scaled));
  assembleOptimizer(K,
                    "Muon apply: p = fma(-lr, u, p * (1 - lr * wd)); u "
                    "scaled by sqrt(max(1, rows/cols)) (bf16).",
                    Consts, (llvm::Twine(kSlotGuard) + kApplyBody).str());
  return K;
}
