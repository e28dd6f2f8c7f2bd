//===- codegen/EmitAttentionWgmmaBwd.cpp - Hopper wgmma attention backward ===//
///
/// \file
/// The sm_90a loops of the dK/dV and dQ kernels (d = 64, default tiles) and
/// their score helpers; EmitAttentionWgmma.cpp documents the layouts and
/// emits them (emitAttentionBodies) next to the mma.sync loops.
///
///   dK/dV: one warpgroup per 64 keys; K and V stay in shared memory as the
///     A operands (descriptors) of Sᵀ = K Qᵀ and dPᵀ = V dOᵀ; the query
///     steps (Q, dO, lse, Dv) stream through two stages; dV += Pᵀ dO and
///     dK += dSᵀ Q take Pᵀ / dSᵀ from registers and dO / Q as MN-major B.
///   dQ: two warpgroups × 64 queries; Q and dO stay in shared memory as A
///     descriptors; K/V steps stream; dQ += dS K reads K MN-major.
/// Scores are masked only on the steps that reach the causal diagonal (or
/// the end of the sequence).
///
/// Example:
///   emitVerbatim(W, attentionWgmmaDqBody()); // inside the #if branch
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"

using namespace hybc;

namespace {

/// Elementwise score code of both passes (inside namespace hybc_attn).
const char kBwdHelpers[] = R"CU(
// S = A Bᵀ and Dp = C Dᵀ over d (all K-major descriptors: dQ passes Q, K,
// dO, V; dK/dV passes K, Q, V, dO), complete on return.
__device__ __forceinline__ void scoreProducts(float (&S)[8][4],
                                              float (&Dp)[8][4],
                                              unsigned long long A,
                                              unsigned long long B,
                                              unsigned long long C,
                                              unsigned long long D) {
  wgFence();
#pragma unroll
  for (int Kc = 0; Kc < kKc; ++Kc) {
    wgmma<0>(S, A + 2 * Kc, B + 2 * Kc, Kc);
    wgmma<0>(Dp, C + 2 * Kc, D + 2 * Kc, Kc);
  }
  wgCommitWait();
  pin(S);
  pin(Dp);
}
// dS = P ∘ (dP − Dv) in Dp, P = exp2(S·scale·log2e − lse·log2e) (rows:
// queries Qr, Qr + 8; columns: keys C0 + 8j, + 1); Mask: the causal mask.
template <bool Mask>
__device__ __forceinline__ void dqScores(const float (&S)[8][4],
                                         float (&Dp)[8][4], int C0, int Qr,
                                         const float (&Ls)[2],
                                         const float (&Dvr)[2]) {
#pragma unroll
  for (int J = 0; J < 8; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E) {
      const int C = C0 + J * 8 + (E & 1), T = Qr + (E >> 1) * 8;
      float P = ex2(fmaf(S[J][E], kScaleLog2, Ls[E >> 1]));
      if (Mask && C > T)
        P = 0.f;
      Dp[J][E] = P * (Dp[J][E] - Dvr[E >> 1]);
    }
}
// Pᵀ in S and dSᵀ in Dp for keys Kr, Kr + 8 (rows) and the queries Q0 + c
// (columns; their lse and Dv at LseS[c], DvS[c]); Mask: causal and past kT.
template <bool Mask>
__device__ __forceinline__ void dkdvScores(float (&S)[8][4], float (&Dp)[8][4],
                                           int Q0, int Kr, int Cq,
                                           const float *LseS,
                                           const float *DvS) {
#pragma unroll
  for (int J = 0; J < 8; ++J) {
    const float2 Ls = *reinterpret_cast<const float2 *>(LseS + J * 8 + Cq);
    const float2 Dv = *reinterpret_cast<const float2 *>(DvS + J * 8 + Cq);
#pragma unroll
    for (int E = 0; E < 4; ++E) {
      const int T = Q0 + J * 8 + Cq + (E & 1);
      float P = ex2(fmaf(S[J][E], kScaleLog2,
                         -(E & 1 ? Ls.y : Ls.x) * kLog2e));
      if (Mask && (Kr + (E >> 1) * 8 > T || T >= kT))
        P = 0.f;
      S[J][E] = P;
      Dp[J][E] = P * (Dp[J][E] - (E & 1 ? Dv.y : Dv.x));
    }
  }
}
)CU";

/// dK/dV: one warpgroup per 64 keys; a stage is Q, dO, then lse and Dv.
const char kDkDvBody[] = R"CU(
using namespace hybc_attn;
static_assert(kBwdBk == 64 && kBwdStep == 64, "one warpgroup, 64-row steps");
static constexpr int kSn = 8;
static constexpr int kStage = 2 * kTile + 1024;
extern __shared__ __align__(16) unsigned char SmemRaw[];
unsigned char *Smem = align1024(SmemRaw), *Stages = Smem + 2 * kTile;
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5;
const int K0 = blockIdx.x * kBwdBk, Hk = blockIdx.y, B = blockIdx.z;
const int Cq = 2 * (Lane & 3), Kr = K0 + Warp * 16 + (Lane >> 2);
const int NSteps = (kT - K0 + 63) / 64; // query steps from the diagonal on
auto stageStep = [&](int It) {
  const int H = Hk * kGroup + It / NSteps, Q0 = K0 + (It % NSteps) * 64;
  unsigned char *Qs = Stages + (It & 1) * kStage;
  float *LseS = reinterpret_cast<float *>(Qs + 2 * kTile);
  stageSw<64>(q, kHq, B, H, Q0, Qs);
  stageSw<64>(dout, kHq, B, H, Q0, Qs + kTile);
  for (int R = threadIdx.x; R < 64; R += kThreads) {
    const int T = Q0 + R;
    const unsigned long long E =
        ((unsigned long long)B * kHq + H) * kT + (T < kT ? T : kT - 1);
    cpAsync4(LseS + R, lse + E, T < kT);
    cpAsync4(LseS + 64 + R, attn_dv_rowsum + E, T < kT);
  }
};
stageSw<64>(k, kHkv, B, Hk, K0, Smem);
stageSw<64>(v, kHkv, B, Hk, K0, Smem + kTile);
stageStep(0);
cpCommit();
const unsigned long long KDesc = wgDesc(smemAddr(Smem)),
                         VDesc = wgDesc(smemAddr(Smem) + kTile);
float DK[kDn][4], DV[kDn][4];
zeroAcc(DK);
zeroAcc(DV);
for (int It = 0; It < kGroup * NSteps; ++It) {
  __syncthreads(); // the stage of step It + 1 consumed (step It - 1)
  if (It + 1 < kGroup * NSteps)
    stageStep(It + 1);
  cpCommit();
  stagedForWgmma(); // step It landed; step It + 1 may be in flight
  __syncthreads();
  const int Q0 = K0 + (It % NSteps) * 64;
  const unsigned char *Qs = Stages + (It & 1) * kStage;
  const float *LseS = reinterpret_cast<const float *>(Qs + 2 * kTile);
  const float *DvS = LseS + 64;
  const unsigned long long QDesc = wgDesc(smemAddr(Qs)),
                           ODesc = wgDesc(smemAddr(Qs) + kTile);
  float S[kSn][4], Dp[kSn][4];
  scoreProducts(S, Dp, KDesc, QDesc, VDesc, ODesc);
  if (Q0 < K0 + 64 || (kT % 64 != 0 && Q0 + 64 > kT))
    dkdvScores<true>(S, Dp, Q0, Kr, Cq, LseS, DvS);
  else
    dkdvScores<false>(S, Dp, Q0, Kr, Cq, LseS, DvS);
  u32 Pf[4][4], Df[4][4];
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc) {
    accToA(Pf[Kc], S, Kc);
    accToA(Df[Kc], Dp, Kc);
  }
  pin(DV);
  pin(DK);
  pin(Pf);
  pin(Df);
  wgFence();
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc) {
    wgmma<1>(DV, Pf[Kc], ODesc + 128 * Kc, 1);
    wgmma<1>(DK, Df[Kc], QDesc + 128 * Kc, 1);
  }
  wgCommitWait();
  pin(DV);
  pin(DK);
  pin(Pf);
  pin(Df);
}
)CU";

/// dQ: two warpgroups × 64 queries; Q and dO resident, K/V streamed.
const char kDqBody[] = R"CU(
using namespace hybc_attn;
static_assert(kBwdBq == 128 && kBwdStep == 64, "two warpgroups, 64-key steps");
static constexpr int kSn = 8;
static constexpr int kStage = 2 * kTile; // K then V
extern __shared__ __align__(16) unsigned char SmemRaw[];
unsigned char *Smem = align1024(SmemRaw), *Stages = Smem + 4 * kTile;
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5, Wg = Warp >> 2;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kBwdBq; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
const int Cq = 2 * (Lane & 3), Qr = Q0 + Warp * 16 + (Lane >> 2);
const int KEnd = min(kT, Q0 + kBwdBq), WgFirst = Q0 + Wg * 64;
stageSw<kBwdBq>(q, kHq, B, H, Q0, Smem);
stageSw<kBwdBq>(dout, kHq, B, H, Q0, Smem + 2 * kTile);
stageSw<64>(k, kHkv, B, Hk, 0, Stages);
stageSw<64>(v, kHkv, B, Hk, 0, Stages + kTile);
cpCommit();
const unsigned long long QDesc = wgDesc(smemAddr(Smem) + Wg * kTile),
                         ODesc = wgDesc(smemAddr(Smem) + (2 + Wg) * kTile);
float Ls[2], Dvr[2], DQ[kDn][4];
dqRowStats(Ls, Dvr, DQ, lse, attn_dv_rowsum, B, H, Qr);
for (int K0 = 0, St = 0; K0 < KEnd; K0 += 64, St ^= 1) {
  __syncthreads(); // the stage of the next key step consumed
  unsigned char *Next = Stages + (St ^ 1) * kStage;
  if (K0 + 64 < KEnd) {
    stageSw<64>(k, kHkv, B, Hk, K0 + 64, Next);
    stageSw<64>(v, kHkv, B, Hk, K0 + 64, Next + kTile);
  }
  cpCommit();
  stagedForWgmma(); // this key step landed; the next may be in flight
  __syncthreads();
  if (K0 > WgFirst + 63)
    continue; // every key of the step follows this warpgroup's queries
  const unsigned long long KDesc = wgDesc(smemAddr(Stages + St * kStage)),
                           VDesc = KDesc + kTile / 16;
  float S[kSn][4], Dp[kSn][4];
  scoreProducts(S, Dp, QDesc, KDesc, ODesc, VDesc);
  if (K0 + 63 > WgFirst) // keys past some query of this warpgroup
    dqScores<true>(S, Dp, K0 + Cq, Qr, Ls, Dvr);
  else
    dqScores<false>(S, Dp, K0 + Cq, Qr, Ls, Dvr);
  u32 Df[4][4];
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc)
    accToA(Df[Kc], Dp, Kc);
  pin(DQ);
  pin(Df);
  wgFence();
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc)
    wgmma<1>(DQ, Df[Kc], KDesc + 128 * Kc, 1);
  wgCommitWait();
  pin(DQ);
  pin(Df);
}
)CU";

} // namespace

llvm::StringRef hybc::attentionWgmmaBwdHelpers() { return kBwdHelpers; }
llvm::StringRef hybc::attentionWgmmaDkDvBody() { return kDkDvBody; }
llvm::StringRef hybc::attentionWgmmaDqBody() { return kDqBody; }
