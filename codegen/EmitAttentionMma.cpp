//===- codegen/EmitAttentionMma.cpp - Tensor-core causal GQA forward ------===//
///
/// \file
/// The bf16 tensor-core forward of `attention` for head dims that are a
/// multiple of 16 (same name, arguments and outputs as the FFMA kernel of
/// EmitAttention.cpp, "_bf16io..." suffixed when some tensor is bf16), plus the
/// mma helpers the backward kernels share.
///
/// One block of FwdWarps warps (8 up to d = 64: 128 query rows, which
/// halves the K/V staging per FLOP; 4 above, for registers) per (q-tile,
/// q-head, batch), q-tiles heaviest first; warp w owns query rows
/// 16w..16w+15 of the tile and skips key tiles above its diagonal. q, k, v
/// (each fp32 or bf16 in memory, as the lowering stores them; o likewise)
/// are staged as bf16 into two stages of dynamic shared memory (fp32
/// rounded to nearest even; bf16 copied by 16-byte cp.async, so the next
/// K/V tile lands while the current one is computed on; row stride kD + 8
/// bf16: conflict-free ldmatrix); Q goes through the second stage into
/// register A fragments. Per key tile of 64: S = Q Kᵀ (mma.sync m16n8k16,
/// K rows as col-major B fragments via ldmatrix), the online softmax on the
/// fp32 accumulators (exp2 domain; each thread owns rows g and g + 8 of its
/// warp, g = lane/4, so row reductions are 4-lane shuffles), then P is
/// packed to bf16 A fragments straight from the accumulators (the m16n8k16
/// C layout of two adjacent n-tiles is the A layout of one k-chunk) and
/// O += P V reads Vᵀ fragments with ldmatrix.trans. Statistics and
/// accumulators stay fp32.
///
/// Example:
///   auto D = attentionDimsOf(Qt, Kt, Vt); // D->Mma for d = 64
///   auto Ks = emitAttentionForwardMma(*AttnOp, EmitContext{"m.hyb"}, *D);
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"
#include "codegen/EmitFamilyUtil.h"

using namespace hybc;

namespace {

/// bf16 packing, ldmatrix, mma and fp32 -> bf16 staging (PTX ISA fragment
/// layouts of mma.m16n8k16 / ldmatrix.m8n8).
const char kMmaHelpers[] = R"(
namespace hybc_attn {
using hybc::u16;
using hybc::u32;
static constexpr int kLdb = kD + 8; // bf16 row stride in shared memory
static constexpr int kKc = kD / 16; // k-chunks of 16 over d
static constexpr int kDn = kD / 8;  // n-tiles of 8 over d
// Lo in the low half (lower column), Hi in the high half, round to nearest.
__device__ __forceinline__ u32 packBf16(float Lo, float Hi) {
  u32 R;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(R) : "f"(Hi), "f"(Lo));
  return R;
}
__device__ __forceinline__ u32 smemAddr(const void *P) {
  return static_cast<u32>(__cvta_generic_to_shared(P));
}
// Four 8x8 bf16 matrices; lanes 8i..8i+7 give the row addresses of matrix i.
__device__ __forceinline__ void ldsm4(u32 (&R)[4], const u16 *P) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(R[0]), "=r"(R[1]), "=r"(R[2]), "=r"(R[3])
               : "r"(smemAddr(P)));
}
__device__ __forceinline__ void ldsm4t(u32 (&R)[4], const u16 *P) {
  asm volatile(
      "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
      : "=r"(R[0]), "=r"(R[1]), "=r"(R[2]), "=r"(R[3])
      : "r"(smemAddr(P)));
}
// C += A B: A 16x16 row-major (4 regs), B 16x8 col-major (2 regs), C 16x8.
__device__ __forceinline__ void mma(float (&C)[4], const u32 (&A)[4], u32 B0,
                                    u32 B1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, "
      "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
      : "+f"(C[0]), "+f"(C[1]), "+f"(C[2]), "+f"(C[3])
      : "r"(A[0]), "r"(A[1]), "r"(A[2]), "r"(A[3]), "r"(B0), "r"(B1));
}
// C0 += A B0, C1 += A B1 for two adjacent n-tiles B0, B1 read from shared
// memory at P with ldmatrix (lane offsets laneB) or ldmatrix.trans (laneA).
template <bool Trans>
__device__ __forceinline__ void mmaPair(float (&C0)[4], float (&C1)[4],
                                        const u32 (&A)[4], const u16 *P) {
  u32 Bf[4];
  if (Trans)
    ldsm4t(Bf, P);
  else
    ldsm4(Bf, P);
  mma(C0, A, Bf[0], Bf[1]);
  mma(C1, A, Bf[2], Bf[3]);
}
// The A fragment of k-chunk Kc from the accumulators of n-tiles 2Kc, 2Kc+1.
template <int N>
__device__ __forceinline__ void accToA(u32 (&A)[4], const float (&S)[N][4],
                                       int Kc) {
  A[0] = packBf16(S[2 * Kc][0], S[2 * Kc][1]);
  A[1] = packBf16(S[2 * Kc][2], S[2 * Kc][3]);
  A[2] = packBf16(S[2 * Kc + 1][0], S[2 * Kc + 1][1]);
  A[3] = packBf16(S[2 * Kc + 1][2], S[2 * Kc + 1][3]);
}
// Lane offsets (in bf16) of the ldmatrix.x4 row addresses: an A fragment
// of rows 0..15 (also Vᵀ/Kᵀ/Qᵀ/dOᵀ B fragments of two n-tiles with .trans),
// and the B fragments of two n-tiles (rows 0..15) of one k-chunk.
__device__ __forceinline__ int laneA(int Lane) {
  return (Lane & 15) * kLdb + (Lane >> 4) * 8;
}
__device__ __forceinline__ int laneB(int Lane) {
  return ((Lane & 7) + (Lane >> 4) * 8) * kLdb + ((Lane >> 3) & 1) * 8;
}
// Acc (16 x kD) += P B: P the fp32 accumulators of a 16 x 8N tile (packed to
// bf16 A fragments), B the 8N x kD rows at Bs (ldmatrix.trans).
template <int N>
__device__ __forceinline__ void accumulatePB(float (&Acc)[kDn][4],
                                             const float (&P)[N][4],
                                             const u16 *Bs, int Lane) {
#pragma unroll
  for (int Kc = 0; Kc < N / 2; ++Kc) {
    u32 Pf[4];
    accToA(Pf, P, Kc);
#pragma unroll
    for (int Nt = 0; Nt < kDn; Nt += 2)
      mmaPair<true>(Acc[Nt], Acc[Nt + 1], Pf,
                    Bs + Kc * 16 * kLdb + laneA(Lane) + Nt * 8);
  }
}
// Values C..C+3 of row T of head H from fp32 memory as four bf16 (rounded
// to nearest even; zero past kT).
__device__ __forceinline__ uint2 ld4Bf16(const float *__restrict__ Src,
                                         int Heads, int B, int H, int T,
                                         int C) {
  float4 X = make_float4(0.f, 0.f, 0.f, 0.f);
  if (T < kT)
    X = *reinterpret_cast<const float4 *>(Src + rowOf(B, T, Heads, H) + C);
  uint2 P;
  P.x = packBf16(X.x, X.y);
  P.y = packBf16(X.z, X.w);
  return P;
}
// Rows [T0, T0 + Rows) of head H as bf16 (row stride kLdb), zero past kT:
// fp32 memory rounded to nearest even.
template <int Rows>
__device__ __forceinline__ void stageRows(const float *__restrict__ Src,
                                          int Heads, int B, int H, int T0,
                                          u16 *Dst) {
  static constexpr int kV4 = kD / 4;
#pragma unroll 4
  for (int I = threadIdx.x; I < Rows * kV4; I += kThreads) {
    int R = I / kV4, C = (I % kV4) * 4;
    *reinterpret_cast<uint2 *>(Dst + R * kLdb + C) =
        ld4Bf16(Src, Heads, B, H, T0 + R, C);
  }
}
template <int N> __device__ __forceinline__ void zeroAcc(float (&A)[N][4]) {
#pragma unroll
  for (int J = 0; J < N; ++J)
    A[J][0] = A[J][1] = A[J][2] = A[J][3] = 0.f;
}
// lse (negated, exp2 domain) and Dv of this thread's queries Qr, Qr + 8 of
// head H (0 past kT), and zeroed dQ accumulators.
__device__ __forceinline__ void dqRowStats(float (&Ls)[2], float (&Dvr)[2],
                                           float (&DQ)[kDn][4],
                                           const float *Lse, const float *Dv,
                                           int B, int H, int Qr) {
#pragma unroll
  for (int I = 0; I < 2; ++I) {
    const int T = Qr + 8 * I;
    const unsigned long long E = ((unsigned long long)B * kHq + H) * kT + T;
    Ls[I] = T < kT ? -Lse[E] * kLog2e : 0.f;
    Dvr[I] = T < kT ? Dv[E] : 0.f;
  }
  zeroAcc(DQ);
}
// cp.async (sm_80+): Bytes from global to shared memory, zero-filled when
// !Valid (Src must still be a mapped address). Visible after cpWait and a
// __syncthreads.
__device__ __forceinline__ void cpAsync16(void *Dst, const void *Src,
                                          bool Valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;"
               :: "r"(smemAddr(Dst)), "l"(Src), "r"(Valid ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void cpAsync4(void *Dst, const void *Src,
                                         bool Valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;"
               :: "r"(smemAddr(Dst)), "l"(Src), "r"(Valid ? 4 : 0)
               : "memory");
}
__device__ __forceinline__ void cpCommit() {
  asm volatile("cp.async.commit_group;" ::: "memory");
}
// Waits until at most N committed groups of this thread are in flight.
template <int N> __device__ __forceinline__ void cpWait() {
  asm volatile("cp.async.wait_group %0;" :: "n"(N) : "memory");
}
// The same from bf16 memory, asynchronously: 16-byte cp.async copies of 8
// values (commit, cpWait and __syncthreads before reading Dst).
template <int Rows>
__device__ __forceinline__ void stageRows(const hybc::bf16 *__restrict__ Src,
                                          int Heads, int B, int H, int T0,
                                          u16 *Dst) {
  static constexpr int kV8 = kD / 8;
#pragma unroll 4
  for (int I = threadIdx.x; I < Rows * kV8; I += kThreads) {
    int R = I / kV8, C = (I % kV8) * 8, T = T0 + R;
    cpAsync16(Dst + R * kLdb + C,
              Src + rowOf(B, T < kT ? T : kT - 1, Heads, H) + C, T < kT);
  }
}
// 2^X on the SFU (ex2.approx.ftz: subnormal results flush to 0, 2^-inf = 0).
__device__ __forceinline__ float ex2(float X) {
  float Y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(Y) : "f"(X));
  return Y;
}
// Two adjacent output values (P 8-byte / 4-byte aligned): fp32, or bf16
// rounded to nearest even.
__device__ __forceinline__ void st2(float *P, float Lo, float Hi) {
  *reinterpret_cast<float2 *>(P) = make_float2(Lo, Hi);
}
__device__ __forceinline__ void st2(hybc::bf16 *P, float Lo, float Hi) {
  *reinterpret_cast<u32 *>(P) = packBf16(Lo, Hi);
}
__device__ __forceinline__ float quadMax(float V) {
  V = fmaxf(V, __shfl_xor_sync(0xffffffffu, V, 1));
  return fmaxf(V, __shfl_xor_sync(0xffffffffu, V, 2));
}
__device__ __forceinline__ float quadSum(float V) {
  V += __shfl_xor_sync(0xffffffffu, V, 1);
  return V + __shfl_xor_sync(0xffffffffu, V, 2);
}
} // namespace hybc_attn
)";

/// The causal mask of one S tile (this thread's rows R0, R0 + 8 and
/// columns C0 + 8j, + 1 with Lim = R0 − C0; tiles without masked scores
/// pass Lim = kFwdBc, a no-op), then the online softmax: updates the
/// running maxima M (raw scores: the scale is positive) and the per-thread
/// partial sums L, turns S into P = 2^(S·scale·log2e − M·scale·log2e) (one
/// FFMA and one ex2 per score) and rescales O. The mask is branch-free: on
/// a branch, ptxas 13.0 gave P the registers of the (then register-held) Q
/// fragments of the sm_90a forward.
const char kFwdSoftmax[] = R"(
namespace hybc_attn {
static constexpr int kSn = kFwdBc / 8;
__device__ __forceinline__ void maskDiag(float (&S)[kSn][4], int Lim) {
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      if (J * 8 + (E & 1) > Lim + (E >> 1) * 8)
        S[J][E] = negInf();
}
__device__ __forceinline__ void softmaxTile(float (&S)[kSn][4], float (&M)[2],
                                            float (&L)[2],
                                            float (&Acc)[kDn][4]) {
  float Mx[2] = {M[0], M[1]};
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      Mx[E >> 1] = fmaxf(Mx[E >> 1], S[J][E]);
  float Off[2], Rs[2] = {0.f, 0.f};
#pragma unroll
  for (int I = 0; I < 2; ++I) {
    Mx[I] = quadMax(Mx[I]);
    Off[I] = Mx[I] == negInf() ? 0.f : -Mx[I] * kScaleLog2;
    float Corr = ex2(fmaf(M[I], kScaleLog2, Off[I]));
    M[I] = Mx[I];
    L[I] *= Corr;
#pragma unroll
    for (int N = 0; N < kDn; ++N) {
      Acc[N][2 * I] *= Corr;
      Acc[N][2 * I + 1] *= Corr;
    }
  }
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E) {
      S[J][E] = ex2(fmaf(S[J][E], kScaleLog2, Off[E >> 1]));
      Rs[E >> 1] += S[J][E];
    }
  L[0] += Rs[0];
  L[1] += Rs[1];
}
} // namespace hybc_attn
)";

/// Two-stage pipeline: the K/V tile after the current one is copied
/// (cp.async for bf16 memory) while the current one is computed on.
const char kFwdBody[] = R"(
using namespace hybc_attn;
static_assert(kFwdBr <= 2 * kFwdBc, "Q is staged through one K/V stage");
static constexpr int kStage = 2 * kFwdBc * kLdb; // K then V rows
extern __shared__ __align__(16) u16 Smem[];      // two stages
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kFwdBr; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
const int R0 = Q0 + Warp * 16 + (Lane >> 2), Cq = 2 * (Lane & 3);
const int KEnd = min(kT, Q0 + kFwdBr);
stageRows<kFwdBr>(q, kHq, B, H, Q0, Smem + kStage); // Q through stage 1
stageRows<kFwdBc>(k, kHkv, B, Hk, 0, Smem);
stageRows<kFwdBc>(v, kHkv, B, Hk, 0, Smem + kFwdBc * kLdb);
cpCommit();
cpWait<0>();
__syncthreads();
u32 Qf[kKc][4];
#pragma unroll
for (int Kc = 0; Kc < kKc; ++Kc)
  ldsm4(Qf[Kc], Smem + kStage + Warp * 16 * kLdb + laneA(Lane) + Kc * 16);
float M[2] = {negInf(), negInf()}, L[2] = {0.f, 0.f}, Acc[kDn][4];
zeroAcc(Acc);
for (int K0 = 0, St = 0; K0 < KEnd; K0 += kFwdBc, St ^= 1) {
  __syncthreads(); // Q fragments / the tile before this one consumed
  u16 *Next = Smem + (St ^ 1) * kStage;
  if (K0 + kFwdBc < KEnd) {
    stageRows<kFwdBc>(k, kHkv, B, Hk, K0 + kFwdBc, Next);
    stageRows<kFwdBc>(v, kHkv, B, Hk, K0 + kFwdBc, Next + kFwdBc * kLdb);
  }
  cpCommit();
  cpWait<1>(); // this tile landed; the next one may be in flight
  __syncthreads();
  if (K0 > Q0 + Warp * 16 + 15)
    continue; // the whole tile is above this warp's diagonal
  const u16 *Ks = Smem + St * kStage, *Vs = Ks + kFwdBc * kLdb;
  float S[kSn][4];
#pragma unroll
  for (int J = 0; J < kSn; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      S[J][E] = 0.f;
#pragma unroll
  for (int Kc = 0; Kc < kKc; ++Kc)
#pragma unroll
    for (int J = 0; J < kSn; J += 2)
      mmaPair<false>(S[J], S[J + 1], Qf[Kc],
                     Ks + J * 8 * kLdb + laneB(Lane) + Kc * 16);
  maskDiag(S, K0 + kFwdBc > Q0 ? R0 - K0 - Cq : kFwdBc);
  softmaxTile(S, M, L, Acc);
  accumulatePB(Acc, S, Vs, Lane);
}
// Stores.
#pragma unroll
for (int I = 0; I < 2; ++I) {
  const float Sum = quadSum(L[I]), Inv = 1.f / Sum;
  const int R = R0 + 8 * I;
  if (R >= kT)
    continue;
#pragma unroll
  for (int N = 0; N < kDn; ++N)
    st2(o + rowOf(B, R, kHq, H) + N * 8 + Cq, Acc[N][2 * I] * Inv,
        Acc[N][2 * I + 1] * Inv);
  if (Cq == 0)
    lse[((unsigned long long)B * kHq + H) * kT + R] =
        (M[I] * kScaleLog2 + log2f(Sum)) * kLn2;
})";

} // namespace

void hybc::writeAttentionMmaHelpers(SourceWriter &W, const AttnDims &D) {
  emitVerbatim(W, kMmaHelpers);
  writeAttentionWgmmaHelpers(W, D);
}

std::vector<KernelSpec> hybc::emitAttentionForwardMma(const ir::Op &O,
                                                      const EmitContext &C,
                                                      const AttnDims &D) {
  assert(D.Mma && D.FwdBr <= 2 * D.FwdBc && "Q is staged in the K/V tiles");
  const unsigned Bf = attentionBf16Mask(O, C);
  KernelSpec K;
  K.Name = "hybc_attention_fwd_" + D.signature() +
           attentionDtypeSuffix(Bf, AtQ | AtK | AtV | AtO);
  K.Family = "attention";
  K.Grid[0] = static_cast<unsigned>(ceilDiv(D.T, D.FwdBr));
  K.Grid[1] = static_cast<unsigned>(D.Hq);
  K.Grid[2] = static_cast<unsigned>(D.B);
  const unsigned Threads = static_cast<unsigned>(32 * D.FwdWarps);
  K.Block[0] = Threads;
  // Two K/V stages of bf16 rows (stride d + 8), Q staged through one; or
  // what the wgmma loop needs, if more.
  K.SharedBytes = std::max(
      static_cast<unsigned>(2 * 2 * D.FwdBc * (D.D + 8) * 2),
      attentionUsesWgmma(D) ? attentionWgmmaSmem(AttnKernel::Fwd) : 0u);
  K.Args = attentionForwardArgs(O, D, Bf);
  addProvenance(K, O);
  SourceWriter W;
  writeKernelHeader(W, K, K.FusedOps, specLineText(O, C),
                    "FA2-style causal GQA forward: one block of " +
                        std::to_string(D.FwdWarps) + " warps per (" +
                        std::to_string(D.FwdBr) +
                        "-query tile, q-head, batch), online softmax." +
                        attentionEngineNote(D) + attentionDtypeNote(Bf));
  writeAttentionConstants(W, D, Threads);
  writeAttentionMmaHelpers(W, D);
  emitVerbatim(W, kFwdSoftmax);
  // 16 warps per SM with the default tiles.
  openKernel(W, K, Threads, D.FwdWarps == 8 && !D.Overridden ? 2 : 0);
  emitAttentionBodies(W, D, AttnKernel::Fwd, kFwdBody);
  W.close();
  finishKernel(K, W);
  return {std::move(K)};
}
