//===- codegen/EmitAttentionMmaBwd.cpp - Tensor-core FA2 backward ---------===//
///
/// \file
/// Bodies of the bf16 tensor-core dK/dV and dQ kernels of `attention_bwd`
/// (head dims that are a multiple of 16; EmitAttentionBwd.cpp assembles
/// them with the pre-pass, same names and arguments as the FFMA kernels),
/// and the body of the Dv = rowsum(dO ∘ O) pre-pass both paths share.
/// The dK/dV and dQ kernels are deterministic: every output element has one
/// writer and a fixed summation order. Tiles are staged into dynamic shared
/// memory as bf16 (row stride kD + 8; fp32 operands rounded, bf16 ones copied),
/// fragments come from ldmatrix(.trans); dq, dk, dv are stored as fp32 or bf16
/// (st2) per the kernel's argument types.
///
///   dK/dV: one block of 4 warps per (64-key tile, kv-head, batch), warp w
///   owns keys 16w..16w+15. For every q-head of the GQA group and every
///   causal query step of kBwdStep rows: Sᵀ = K Qᵀ and dPᵀ = V dOᵀ (mma),
///   Pᵀ = exp2(scale·log2e·Sᵀ − lse) and dSᵀ = Pᵀ ∘ (dPᵀ − Dv) on the
///   accumulators, then dV += Pᵀ dO and dK += dSᵀ Q with Pᵀ / dSᵀ packed to
///   bf16 A fragments and dO / Q read as B fragments with ldmatrix.trans.
///   dQ: one block per (q-tile, q-head, batch) with the forward's warp
///   count (kBwdBq = 16 per warp), warp w owns queries 16w..; per key step:
///   S = Q Kᵀ, dP = dO Vᵀ, dS, dQ += dS K.
/// The score products (S and dP from two mmaPair loops) are spelled out in
/// both bodies: folding them into one helper changed ptxas' schedule (dQ
/// spills 4 -> 8 bytes), which needs an H200 timing before it can land;
/// dQ += dS K shares accumulatePB with the forward's O += P V.
/// Both stream their tiles through two shared-memory stages: the next
/// step's rows are copied with cp.async (bf16 memory; fp32 memory is
/// rounded synchronously) while the current step is computed on.
///
/// Example:
///   unsigned Bytes = attentionMmaBwdSmem(Dims, /*DkDv=*/true);
///   emitVerbatim(W, attentionMmaDkDvBody());
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"

using namespace hybc;

namespace {

/// The pre-pass of both paths: kPl lanes per (b, t, h) row (kD / 8 rounded
/// up to a power of two), each reading 8 consecutive values of dout and of
/// o (16-byte bf16 or two 16-byte fp32 loads), then a fixed-order
/// butterfly over the row's lanes.
const char kPreBody[] = R"(
using namespace hybc_attn;
static constexpr int kPl = kD <= 8 ? 1 : kD <= 16 ? 2 : kD <= 32 ? 4
                         : kD <= 64 ? 8 : 16; // lanes per row
const int Row = blockIdx.x * (256 / kPl) + threadIdx.x / kPl;
const int Sub = threadIdx.x % kPl;
if (Row >= kB * kT * kHq)
  return; // whole lane groups
float S = 0.f;
if (Sub * 8 < kD) {
  float A[8], O8[8];
  ld8(A, dout + (unsigned long long)Row * kD + Sub * 8);
  ld8(O8, o + (unsigned long long)Row * kD + Sub * 8);
#pragma unroll
  for (int E = 0; E < 8; ++E)
    S = fmaf(A[E], O8[E], S);
}
S = hybc::groupSum<kPl>(S);
if (Sub == 0) {
  int H = Row % kHq, T = (Row / kHq) % kT, B = Row / (kHq * kT);
  attn_dv_rowsum[((unsigned long long)B * kHq + H) * kT + T] = S;
})";

const char kDkDvBody[] = R"(
using namespace hybc_attn;
static constexpr int kSn = kBwdStep / 8;
// One stage: the Q and dO rows of a query step, then its lse and Dv floats.
static constexpr int kStage = 2 * kBwdStep * kLdb + 4 * kBwdStep;
extern __shared__ __align__(16) u16 Smem[];
const u16 *Ks = Smem, *Vs = Ks + kBwdBk * kLdb;
u16 *Stages = Smem + 2 * kBwdBk * kLdb;
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5;
const int K0 = blockIdx.x * kBwdBk, Hk = blockIdx.y, B = blockIdx.z;
const int Kw = K0 + Warp * 16, Cq = 2 * (Lane & 3);
const int Kr = Kw + (Lane >> 2); // this thread's keys: Kr, Kr + 8
const int QStart = (K0 / kBwdStep) * kBwdStep;
const int NSteps = (kT - QStart + kBwdStep - 1) / kBwdStep;
// Copies query step It (q-head It / NSteps of the group) into stage It & 1.
auto stageStep = [&](int It) {
  const int H = Hk * kGroup + It / NSteps;
  const int Q0 = QStart + (It % NSteps) * kBwdStep;
  u16 *Qs = Stages + (It & 1) * kStage, *Dos = Qs + kBwdStep * kLdb;
  float *LseS = reinterpret_cast<float *>(Dos + kBwdStep * kLdb);
  stageRows<kBwdStep>(q, kHq, B, H, Q0, Qs);
  stageRows<kBwdStep>(dout, kHq, B, H, Q0, Dos);
  for (int R = threadIdx.x; R < kBwdStep; R += kThreads) {
    const int T = Q0 + R;
    const unsigned long long E =
        ((unsigned long long)B * kHq + H) * kT + (T < kT ? T : kT - 1);
    cpAsync4(LseS + R, lse + E, T < kT);
    cpAsync4(LseS + kBwdStep + R, attn_dv_rowsum + E, T < kT);
  }
};
stageRows<kBwdBk>(k, kHkv, B, Hk, K0, Smem);
stageRows<kBwdBk>(v, kHkv, B, Hk, K0, Smem + kBwdBk * kLdb);
stageStep(0);
cpCommit();
float DK[kDn][4], DV[kDn][4];
zeroAcc(DK);
zeroAcc(DV);
for (int It = 0; It < kGroup * NSteps; ++It) {
  __syncthreads(); // the stage of step It + 1 consumed (step It - 1)
  if (It + 1 < kGroup * NSteps)
    stageStep(It + 1);
  cpCommit();
  cpWait<1>(); // step It landed; step It + 1 may be in flight
  __syncthreads();
  const int Q0 = QStart + (It % NSteps) * kBwdStep;
  if (Q0 + kBwdStep <= Kw)
    continue; // every query of the step precedes this warp's keys
  const u16 *Qs = Stages + (It & 1) * kStage, *Dos = Qs + kBwdStep * kLdb;
  const float *LseS = reinterpret_cast<const float *>(Dos + kBwdStep * kLdb);
  const float *DvS = LseS + kBwdStep;
  float S[kSn][4], Dp[kSn][4];
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      S[J][E] = Dp[J][E] = 0.f;
#pragma unroll
  for (int Kc = 0; Kc < kKc; ++Kc) {
    u32 Kf[4], Vf[4];
    ldsm4(Kf, Ks + Warp * 16 * kLdb + laneA(Lane) + Kc * 16);
    ldsm4(Vf, Vs + Warp * 16 * kLdb + laneA(Lane) + Kc * 16);
#pragma unroll
    for (int J = 0; J < kSn; J += 2) {
      mmaPair<false>(S[J], S[J + 1], Kf,
                     Qs + J * 8 * kLdb + laneB(Lane) + Kc * 16);
      mmaPair<false>(Dp[J], Dp[J + 1], Vf,
                     Dos + J * 8 * kLdb + laneB(Lane) + Kc * 16);
    }
  }
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E) {
      const int C = J * 8 + Cq + (E & 1), T = Q0 + C;
      const bool Live = Kr + (E >> 1) * 8 <= T && T < kT;
      const float P =
          Live ? ex2(fmaf(S[J][E], kScaleLog2, -LseS[C] * kLog2e)) : 0.f;
      S[J][E] = P;
      Dp[J][E] = P * (Dp[J][E] - DvS[C]);
    }
#pragma unroll
  for (int Kc = 0; Kc < kBwdStep / 16; ++Kc) {
    u32 Pf[4], Df[4];
    accToA(Pf, S, Kc);
    accToA(Df, Dp, Kc);
#pragma unroll
    for (int N = 0; N < kDn; N += 2) {
      mmaPair<true>(DV[N], DV[N + 1], Pf,
                    Dos + Kc * 16 * kLdb + laneA(Lane) + N * 8);
      mmaPair<true>(DK[N], DK[N + 1], Df,
                    Qs + Kc * 16 * kLdb + laneA(Lane) + N * 8);
    }
  }
}
// Stores.
#pragma unroll
for (int I = 0; I < 2; ++I) {
  const int T = Kr + 8 * I;
  if (T >= kT)
    continue;
#pragma unroll
  for (int N = 0; N < kDn; ++N) {
    const unsigned long long At = rowOf(B, T, kHkv, Hk) + N * 8 + Cq;
    st2(dk + At, DK[N][2 * I] * kScale, DK[N][2 * I + 1] * kScale);
    st2(dv + At, DV[N][2 * I], DV[N][2 * I + 1]);
  }
})";

const char kDqBody[] = R"(
using namespace hybc_attn;
static constexpr int kSn = kBwdStep / 8;
static constexpr int kStage = 2 * kBwdStep * kLdb; // K then V rows
extern __shared__ __align__(16) u16 Smem[];
const u16 *Qs = Smem, *Dos = Qs + kBwdBq * kLdb;
u16 *Stages = Smem + 2 * kBwdBq * kLdb;
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kBwdBq; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
const int Qw = Q0 + Warp * 16, Cq = 2 * (Lane & 3);
const int Qr = Qw + (Lane >> 2); // this thread's queries: Qr, Qr + 8
const int KEnd = min(kT, Q0 + kBwdBq);
stageRows<kBwdBq>(q, kHq, B, H, Q0, Smem);
stageRows<kBwdBq>(dout, kHq, B, H, Q0, Smem + kBwdBq * kLdb);
stageRows<kBwdStep>(k, kHkv, B, Hk, 0, Stages);
stageRows<kBwdStep>(v, kHkv, B, Hk, 0, Stages + kBwdStep * kLdb);
cpCommit();
float Ls[2], Dvr[2], DQ[kDn][4];
dqRowStats(Ls, Dvr, DQ, lse, attn_dv_rowsum, B, H, Qr);
for (int K0 = 0, St = 0; K0 < KEnd; K0 += kBwdStep, St ^= 1) {
  __syncthreads(); // the stage of the next key step consumed
  u16 *Next = Stages + (St ^ 1) * kStage;
  if (K0 + kBwdStep < KEnd) {
    stageRows<kBwdStep>(k, kHkv, B, Hk, K0 + kBwdStep, Next);
    stageRows<kBwdStep>(v, kHkv, B, Hk, K0 + kBwdStep, Next + kBwdStep * kLdb);
  }
  cpCommit();
  cpWait<1>(); // this key step landed; the next may be in flight
  __syncthreads();
  if (K0 > Qw + 15)
    continue; // every key of the step follows this warp's queries
  const u16 *Ks = Stages + St * kStage, *Vs = Ks + kBwdStep * kLdb;
  float S[kSn][4], Dp[kSn][4];
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      S[J][E] = Dp[J][E] = 0.f;
#pragma unroll
  for (int Kc = 0; Kc < kKc; ++Kc) {
    u32 Qf[4], Of[4];
    ldsm4(Qf, Qs + Warp * 16 * kLdb + laneA(Lane) + Kc * 16);
    ldsm4(Of, Dos + Warp * 16 * kLdb + laneA(Lane) + Kc * 16);
#pragma unroll
    for (int J = 0; J < kSn; J += 2) {
      mmaPair<false>(S[J], S[J + 1], Qf,
                     Ks + J * 8 * kLdb + laneB(Lane) + Kc * 16);
      mmaPair<false>(Dp[J], Dp[J + 1], Of,
                     Vs + J * 8 * kLdb + laneB(Lane) + Kc * 16);
    }
  }
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E) {
      const int C = K0 + J * 8 + Cq + (E & 1), T = Qr + (E >> 1) * 8;
      const bool Live = C <= T && T < kT;
      const float P =
          Live ? ex2(fmaf(S[J][E], kScaleLog2, Ls[E >> 1])) : 0.f;
      Dp[J][E] = P * (Dp[J][E] - Dvr[E >> 1]);
    }
  accumulatePB(DQ, Dp, Ks, Lane);
}
// Stores.
#pragma unroll
for (int I = 0; I < 2; ++I) {
  const int T = Qr + 8 * I;
  if (T >= kT)
    continue;
#pragma unroll
  for (int N = 0; N < kDn; ++N)
    st2(dq + rowOf(B, T, kHq, H) + N * 8 + Cq, DQ[N][2 * I] * kScale,
        DQ[N][2 * I + 1] * kScale);
})";

} // namespace

unsigned hybc::attentionMmaBwdSmem(const AttnDims &D, bool DkDv) {
  assert(D.Mma && "tensor-core path only");
  const int64_t Ld = D.D + 8, Rows = DkDv ? D.BwdBk : D.BwdBq;
  // The resident bf16 tiles (K, V or Q, dO; row stride d + 8) and two
  // stages of the streamed ones (Q, dO plus lse and Dv, or K, V).
  int64_t Stage = 2 * D.BwdStep * Ld * 2 + (DkDv ? 2 * D.BwdStep * 4 : 0);
  const auto Bytes = static_cast<unsigned>(2 * Rows * Ld * 2 + 2 * Stage);
  if (!attentionUsesWgmma(D)) // else the larger of the two loops' needs
    return Bytes;
  return std::max(Bytes,
                  attentionWgmmaSmem(DkDv ? AttnKernel::DkDv : AttnKernel::Dq));
}

llvm::StringRef hybc::attentionPreBody() { return kPreBody; }
llvm::StringRef hybc::attentionMmaDkDvBody() { return kDkDvBody; }
llvm::StringRef hybc::attentionMmaDqBody() { return kDqBody; }
