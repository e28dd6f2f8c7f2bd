//===- codegen/EmitMamba3Bwd.cpp - Mamba-3 SISO layer backward ------------===//
///
/// \file
/// Emits `mamba3_bwd` (do, w, params...) -> (dw, dparams...) as four
/// kernels, deterministic throughout (no atomics):
///   1. `hybc_mamba3_bwd_prep_<sig>`: the forward pre-pass plus 1/rms rows.
///   2. `hybc_mamba3_bwd_<sig>` (EmitMamba3BwdCore.cpp): per (head, batch)
///      core backward; writes dz and dx into dw and per-token/per-head
///      scratch.
///   3. `hybc_mamba3_bwd_post_<sig>`: 16 tokens per block: GQA head sums
///      and RMSNorm backward of B/C, dΔ → d dd_dt (softplus), d(A·Δ) →
///      d dd_A (decay activation, clamp), dλ → d trap, Σ_h dθ → d angles;
///      one partial row per block for dt_bias and the norm weights.
///   4. `hybc_mamba3_bwd_reduce_<sig>`: one block per parameter element,
///      fixed-order tree sums over the per-block / per-batch partials.
///
/// Example:
///   auto Ks = emitMamba3Backward(*BwdOp, Ctx); // 4 KernelSpecs
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"
#include "codegen/Emitters.h"

#include "llvm/Support/FormatVariadic.h"

using namespace hybc;

namespace {

constexpr int64_t kPostTokens = 16;

const char kPostBody[] = R"(
static constexpr int kTok = 16, kPW = kH + 2 * kN;
static constexpr int kNL = (kN + 31) / 32, kHL = (kH + 63) / 64;
const int Tid = threadIdx.x, Wp = Tid >> 5, Lane = Tid & 31;
const int Bt0 = blockIdx.x * kTok, Bt1 = min(kB * kL, Bt0 + kTok);
float AccN[kNL] = {}, AccH[kHL] = {};
for (int Bt = Bt0; Bt < Bt1; ++Bt) {
  const int B = Bt / kL, T = Bt % kL;
  const float *Row = w + (u64)Bt * kDProj;
  float *Out = dw + (u64)Bt * kDProj;
  if (Wp < 2) { // warp 0: B rows from dk, warp 1: C rows from dq
    const bool IsC = Wp == 1;
    const float *Src = IsC ? m3_dqh : m3_dkh, *Wt = IsC ? c_norm : b_norm;
    for (int G = 0; G < kG; ++G) {
      const float Rs = m3_rstd[(u64)Bt * 2 * kG + (IsC ? kG : 0) + G];
      const int Off = (IsC ? kOffC : kOffB) + G * kN;
      float Dyh[kNL], Acc = 0.f;
#pragma unroll
      for (int K = 0; K < kNL; ++K) {
        const int N = Lane + 32 * K;
        Dyh[K] = 0.f;
        if (N >= kN)
          continue;
        for (int Hh = G * kHpg; Hh < (G + 1) * kHpg; ++Hh)
          Dyh[K] += Src[((u64)(B * kH + Hh) * kL + T) * kN + N];
        Acc = fmaf(Dyh[K] * Wt[N], Row[Off + N], Acc);
      }
      const float C = Rs * Rs * Rs * sum32(Acc) / kN;
#pragma unroll
      for (int K = 0; K < kNL; ++K) {
        const int N = Lane + 32 * K;
        if (N >= kN)
          continue;
        Out[Off + N] = Rs * Dyh[K] * Wt[N] - Row[Off + N] * C;
        AccN[K] = fmaf(Dyh[K] * Row[Off + N], Rs, AccN[K]);
      }
    }
    continue;
  }
  for (int K = 0, Hh = Tid - 64; Hh < kH; ++K, Hh += 64) {
    const u64 E = (u64)(B * kH + Hh) * kL + T;
    const float Xdt = Row[kOffDt + Hh] + dt_bias[Hh], Xa = Row[kOffA + Hh];
    const float A = fminf(-decayAct(Xa), -kAFloor), Dt = softplusF(Xdt);
    const float Gd = fmaf(m3_gadt[E], A, m3_gdt[E]) * softplusGradF(Xdt);
    Out[kOffDt + Hh] = Gd;
    AccH[K] += Gd;
    Out[kOffA + Hh] =
        decayAct(Xa) < kAFloor ? 0.f : -m3_gadt[E] * Dt * decayActGrad(Xa);
    const float Lm = sigm(Row[kOffTrap + Hh]);
    Out[kOffTrap + Hh] = m3_glam[E] * Lm * (1.f - Lm);
  }
  for (int I = Tid - 64; I < kS; I += 64) {
    float Sum = 0.f;
    for (int Hh = 0; Hh < kH; ++Hh)
      Sum += m3_dth[((u64)(B * kH + Hh) * kL + T) * kS + I];
    Out[kOffAng + I] = Sum;
  }
}
float *Part = m3_ptok + (u64)blockIdx.x * kPW;
if (Wp < 2) {
#pragma unroll
  for (int K = 0; K < kNL; ++K)
    if (Lane + 32 * K < kN)
      Part[kH + Wp * kN + Lane + 32 * K] = AccN[K];
} else {
  for (int K = 0, Hh = Tid - 64; Hh < kH; ++K, Hh += 64)
    Part[Hh] = AccH[K];
})";

const char kReduceHelpers[] = R"(
// Σ_r Src[r * Stride + Col] over Rows rows, fixed-order block tree sum.
__device__ __forceinline__ float colSum(const float *Src, int Rows,
                                        long long Stride, long long Col,
                                        float *Red) {
  float V = 0.f;
  for (int R = threadIdx.x; R < Rows; R += 128)
    V += Src[(u64)R * Stride + Col];
  Red[threadIdx.x] = V;
  __syncthreads();
  for (int O = 64; O > 0; O >>= 1) {
    if ((int)threadIdx.x < O)
      Red[threadIdx.x] += Red[threadIdx.x + O];
    __syncthreads();
  }
  return Red[0];
}
)";

KernelSpec postKernel(const ir::Op &O, const M3Dims &D, const EmitContext &C) {
  KernelSpec K = makeMamba3Spec(O, D, "bwd_post", 128);
  const int64_t BL = D.B * D.L, BHL = BL * D.H, NB = ceilDiv(BL, kPostTokens);
  K.Grid[0] = static_cast<unsigned>(NB);
  K.Args = {irValueArg("w", O.operand(1), false),
            irValueArg("dt_bias", O.operand(2), false),
            irValueArg("b_norm", O.operand(5), false),
            irValueArg("c_norm", O.operand(6), false),
            scratchArg(M3Scratch::Rstd, BL * 2 * D.G, false),
            scratchArg(M3Scratch::GDt, BHL, false),
            scratchArg(M3Scratch::GLam, BHL, false),
            scratchArg(M3Scratch::GAdt, BHL, false),
            scratchArg(M3Scratch::Dqh, BHL * D.N, false),
            scratchArg(M3Scratch::Dkh, BHL * D.N, false),
            scratchArg(M3Scratch::Dth, BHL * D.S, false),
            irValueArg("dw", O.result(0), true),
            scratchArg(M3Scratch::PTok, NB * (D.H + 2 * D.N), true)};
  assembleMamba3(K, O, D, C, nullptr,
                 "Mamba-3 backward post-pass: B/C RMSNorm backward with GQA "
                 "head sums, dt/A/trap/angle columns of dw, per-block "
                 "partials for dt_bias and the norm weights.",
                 {}, {kPostBody});
  return K;
}

/// One reduction segment: output result index, source, rows, stride, column
/// offset, element count.
struct Segment {
  unsigned Result;
  const char *Src;
  std::string Rows, Stride;
  int64_t ColOff, Count;
};

KernelSpec reduceKernel(const ir::Op &O, const M3Dims &D,
                        const EmitContext &C) {
  KernelSpec K = makeMamba3Spec(O, D, "bwd_reduce", 128);
  const int64_t NB = ceilDiv(D.B * D.L, kPostTokens), HN = D.H * D.N;
  std::vector<Segment> Segs = {
      {1, M3Scratch::PTok, "kNB", "kPW", 0, D.H},
      {4, M3Scratch::PTok, "kNB", "kPW", D.H, D.N},
      {5, M3Scratch::PTok, "kNB", "kPW", D.H + D.N, D.N},
      {2, M3Scratch::PBb, "kB", "kH * kN", 0, HN},
      {3, M3Scratch::PBc, "kB", "kH * kN", 0, HN}};
  unsigned Next = 6;
  if (D.HasD)
    Segs.push_back({Next++, M3Scratch::PD, "kB", "kH", 0, D.H});
  if (D.HasOutNorm)
    Segs.push_back({Next++, M3Scratch::POn, "kB", "kDI", 0, D.DI()});
  K.Args = {scratchArg(M3Scratch::PTok, NB * (D.H + 2 * D.N), false),
            scratchArg(M3Scratch::PBb, D.B * HN, false),
            scratchArg(M3Scratch::PBc, D.B * HN, false)};
  if (D.HasD)
    K.Args.push_back(scratchArg(M3Scratch::PD, D.B * D.H, false));
  if (D.HasOutNorm)
    K.Args.push_back(scratchArg(M3Scratch::POn, D.B * D.DI(), false));
  std::vector<std::string> Lines = {
      llvm::formatv("static constexpr int kNB = {0}, kPW = kH + 2 * kN;", NB),
      "__shared__ float Red[128];", "int M = blockIdx.x;"};
  int64_t Total = 0;
  for (const Segment &S : Segs) {
    std::string Out = llvm::formatv("g{0}", S.Result).str();
    K.Args.push_back(irValueArg(Out, O.result(S.Result), true));
    Lines.push_back(llvm::formatv(
        "{0}if (M < {1}) {{ const float V = colSum({2}, {3}, {4}, {5} + (M - "
        "{6}), Red); if (threadIdx.x == 0) {7}[M - {6}] = V; }",
        Total ? "else " : "", Total + S.Count, S.Src, S.Rows, S.Stride,
        S.ColOff, Total, Out));
    Total += S.Count;
  }
  K.Grid[0] = static_cast<unsigned>(Total);
  assembleMamba3(K, O, D, C, nullptr,
                 "Mamba-3 backward parameter reduction: one block per "
                 "parameter element, fixed-order sums over partials.",
                 Lines, {}, {kReduceHelpers});
  return K;
}

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitMamba3Backward(const ir::Op &O, const EmitContext &C) {
  if (O.kind() != ir::OpKind::Mamba3Bwd || O.numOperands() < 7 ||
      O.numResults() + 1 != O.numOperands())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "mamba3 codegen: expected mamba3_bwd (do, w, dt_bias, B_bias, "
        "C_bias, B_norm, C_norm [, D] [, out_norm]) -> (dw, dparams...)");
  auto D = mamba3DimsOf(O, mamba3BwdSmemFloats);
  if (!D)
    return D.takeError();
  if (O.numOperands() != 7u + D->HasD + D->HasOutNorm)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "mamba3 codegen: operand count does not "
                                   "match has_d / has_out_norm");
  std::vector<KernelSpec> Ks;
  Ks.push_back(emitMamba3Prep(O, *D, C, /*WithRstd=*/true));
  Ks.push_back(emitMamba3BwdCore(O, *D, C));
  Ks.push_back(postKernel(O, *D, C));
  Ks.push_back(reduceKernel(O, *D, C));
  return Ks;
}
