//===- codegen/EmitAttentionWgmma.cpp - Hopper wgmma attention bodies -----===//
///
/// \file
/// sm_90a bodies of the three tensor-core attention kernels (forward, dK/dV,
/// dQ) for d = 64 at the default tiles. Each generated source keeps the
/// mma.sync body of EmitAttentionMma*.cpp for other architectures and picks
/// one with `#if defined(__CUDA_ARCH_FEAT_SM90_ALL)` (defined by NVRTC for
/// sm_90a), so names, arguments, grids and outputs are the same on every
/// GPU.
///
/// A warpgroup (4 warps, 64 rows) issues `wgmma.mma_async m64n64k16` (bf16,
/// fp32 accumulate). Its accumulator layout per warp is the mma.sync
/// m16n8 C layout repeated over n, and its register A operand the m16n8k16 A
/// layout, so the online softmax, the P / dS elementwise code and accToA of
/// the mma.sync path carry over unchanged. Operands read from shared memory
/// (K, V, Q, dO tiles of 64-value rows = 128 bytes) are stored in the
/// 128-byte swizzle of the wgmma descriptors (16-byte chunk c of row r at
/// chunk c ^ (r mod 8), tiles 1024-byte aligned): a tile serves K-major for
/// one product (S = Q Kᵀ: contraction over d) and, with the transpose bit,
/// MN-major for another (dQ += dS K: contraction over keys), so no tile is
/// copied twice. B tiles are staged with cp.async in two stages as on the
/// mma.sync path; `fence.proxy.async` makes them visible to wgmma.
///
///   forward: 2 warpgroups × 64 queries; Q resident as A descriptors;
///     S = Q Kᵀ, softmax, O += P V (P from registers).
///   dK/dV: 1 warpgroup × 64 keys; K, V resident as A descriptors;
///     Sᵀ = K Qᵀ, dPᵀ = V dOᵀ, then dV += Pᵀ dO, dK += dSᵀ Q.
///   dQ: 2 warpgroups × 64 queries; Q, dO resident as A descriptors;
///     S = Q Kᵀ, dP = dO Vᵀ, then dQ += dS K.
/// Same fixed summation orders as the mma.sync bodies: deterministic.
///
/// Example:
///   if (attentionUsesWgmma(D))
///     emitAttentionBodies(W, D, AttnKernel::Fwd, MmaBody);
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"
#include "codegen/EmitFamilyUtil.h"

using namespace hybc;

namespace {

/// The wgmma wrapper: D (64x64 fp32 per warpgroup) = or += A B. \p ARegs:
/// A from registers (m16n8k16 A fragments of this warp's 16 rows), else
/// from a shared-memory descriptor (K-major).
std::string wgmmaWrapper(bool ARegs) {
  std::string Regs;
  for (int I = 0; I < 32; ++I)
    Regs += (I ? ", %" : "%") + std::to_string(I);
  std::string Outs;
  for (int I = 0; I < 32; ++I)
    Outs += std::string(I ? ", " : "") + "\"+f\"(D[" + std::to_string(I / 4) +
            "][" + std::to_string(I % 4) + "])";
  const std::string AOp = ARegs ? "{%32, %33, %34, %35}" : "%32";
  const int B = ARegs ? 36 : 33;
  const std::string Bs = std::to_string(B), Tr = std::to_string(B + 1),
                    Ac = std::to_string(B + 2);
  std::string S = "template <int TransB>\n__device__ __forceinline__ void "
                  "wgmma(float (&D)[8][4], ";
  S += ARegs ? "const u32 (&A)[4]" : "unsigned long long ADesc";
  S += ",\n                                      unsigned long long BDesc, "
       "int Accum) {\n";
  S += "  asm volatile(\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %" + Ac +
       ", 0;\\n\"\n";
  S += "               \"wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16."
       "bf16 {\"\n               \"" +
       Regs + "}, \"\n               \"" + AOp + ", %" + Bs + ", p, 1, 1, " +
       (ARegs ? "" : "0, ") + "%" + Tr + ";\\n}\\n\"\n";
  S += "               : " + Outs + "\n               : ";
  S += ARegs ? "\"r\"(A[0]), \"r\"(A[1]), \"r\"(A[2]), \"r\"(A[3])"
             : "\"l\"(ADesc)";
  S += ", \"l\"(BDesc), \"n\"(TransB), \"r\"(Accum));\n}\n";
  return S;
}

/// Swizzled staging, descriptors, fences and operand pinning.
const char kWgmmaHelpers[] = R"CU(
namespace hybc_attn {
static_assert(kD == 64, "wgmma bodies: rows of 64 bf16 (128 bytes)");
static constexpr int kTile = 64 * 128; // bytes of a 64-row tile
// Byte offset of byte Byte of row R in a 128-byte-swizzled tile.
__device__ __forceinline__ u32 swz(int R, int Byte) {
  return R * 128 + (Byte ^ ((R & 7) << 4));
}
__device__ __forceinline__ unsigned char *align1024(unsigned char *P) {
  return P + ((1024u - (smemAddr(P) & 1023u)) & 1023u);
}
// Descriptor of a 128B-swizzled tile at shared address A (8-row groups 1024
// bytes apart). Adding 2 advances 16 values along a row (K-major k-step),
// adding 128 advances 16 rows (MN-major k-step).
__device__ __forceinline__ unsigned long long wgDesc(u32 A) {
  return (unsigned long long)((A & 0x3FFFFu) >> 4) | (1ull << 16) |
         (64ull << 32) | (1ull << 62);
}
// Rows [T0, T0 + Rows) of head H into a swizzled tile, zero past kT: bf16
// memory by 16-byte cp.async, fp32 memory rounded synchronously. Thread x
// copies chunk x % 8 of rows x / 8 + i * kThreads / 8: its shared offsets
// differ by constants (kThreads / 8 is a multiple of the 8-row swizzle
// period) and its sources by constant row strides.
template <int Rows>
__device__ __forceinline__ void stageSw(const hybc::bf16 *__restrict__ Src,
                                        int Heads, int B, int H, int T0,
                                        unsigned char *Dst) {
  static_assert(kThreads % 64 == 0 && Rows * 8 % kThreads == 0, "tiling");
  static constexpr int kStep = kThreads / 8;
  const int R = threadIdx.x >> 3, Ch = threadIdx.x & 7;
  const hybc::bf16 *S = Src + rowOf(B, T0 + R, Heads, H) + Ch * 8;
  unsigned char *D = Dst + swz(R, Ch * 16);
#pragma unroll
  for (int I = 0; I < Rows * 8 / kThreads; ++I) {
    const bool In = kT % Rows == 0 || T0 + R + I * kStep < kT;
    cpAsync16(D + I * kStep * 128,
              In ? S + (long long)I * kStep * Heads * kD : Src, In);
  }
}
template <int Rows>
__device__ __forceinline__ void stageSw(const float *__restrict__ Src,
                                        int Heads, int B, int H, int T0,
                                        unsigned char *Dst) {
#pragma unroll 4
  for (int I = threadIdx.x; I < Rows * 16; I += kThreads) {
    int R = I >> 4, C = (I & 15) * 4;
    *reinterpret_cast<uint2 *>(Dst + swz(R, C * 2)) =
        ld4Bf16(Src, Heads, B, H, T0 + R, C);
  }
}
// This thread's cp.async writes, then generic-proxy writes in general, made
// visible to wgmma (async proxy); a __syncthreads follows.
__device__ __forceinline__ void stagedForWgmma() {
  cpWait<1>();
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}
__device__ __forceinline__ void wgFence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgCommitWait() {
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
}
// Registers written or read by an async wgmma. Pinned after the wait: every
// later use follows it and A operands stay alive until it. Pinned before
// wgFence: every write the wgmma reads precedes the fence (PTX requires
// the fence between other accesses of a wgmma's registers and the wgmma;
// without the pin the compiler may sink such a write past the fence asm).
template <int N>
__device__ __forceinline__ void pin(float (&D)[N][4]) {
#pragma unroll
  for (int J = 0; J < N; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      asm volatile("" : "+f"(D[J][E])::"memory");
}
template <int N> __device__ __forceinline__ void pin(u32 (&A)[N][4]) {
#pragma unroll
  for (int J = 0; J < N; ++J)
#pragma unroll
    for (int E = 0; E < 4; ++E)
      asm volatile("" : "+r"(A[J][E])::"memory");
}
)CU";

/// Forward: Q (128 swizzled rows) stays in shared memory as the A operand
/// of S = Q Kᵀ, then two K/V stages. (With Q as register fragments ptxas
/// 13.0 once gave P the registers of the live Q fragments when the mask was
/// branched on; descriptors leave no long-lived wgmma register operands.)
const char kFwdBody[] = R"CU(
using namespace hybc_attn;
static_assert(kFwdBr == 128 && kFwdBc == 64, "two warpgroups, 64-key tiles");
static constexpr int kStage = 2 * kTile; // K then V
extern __shared__ __align__(16) unsigned char SmemRaw[];
unsigned char *Smem = align1024(SmemRaw), *Stages = Smem + 2 * kTile;
const int Lane = threadIdx.x & 31, Warp = threadIdx.x >> 5, Wg = Warp >> 2;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kFwdBr; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
const int R0 = Q0 + Warp * 16 + (Lane >> 2), Cq = 2 * (Lane & 3);
const int KEnd = min(kT, Q0 + kFwdBr), WgFirst = Q0 + Wg * 64;
stageSw<kFwdBr>(q, kHq, B, H, Q0, Smem);
stageSw<64>(k, kHkv, B, Hk, 0, Stages);
stageSw<64>(v, kHkv, B, Hk, 0, Stages + kTile);
cpCommit();
const unsigned long long QDesc = wgDesc(smemAddr(Smem) + Wg * kTile);
float M[2] = {negInf(), negInf()}, L[2] = {0.f, 0.f}, Acc[kDn][4];
zeroAcc(Acc);
for (int K0 = 0, St = 0; K0 < KEnd; K0 += 64, St ^= 1) {
  __syncthreads(); // the tile before this one consumed
  unsigned char *Next = Stages + (St ^ 1) * kStage;
  if (K0 + 64 < KEnd) {
    stageSw<64>(k, kHkv, B, Hk, K0 + 64, Next);
    stageSw<64>(v, kHkv, B, Hk, K0 + 64, Next + kTile);
  }
  cpCommit();
  stagedForWgmma(); // Q and this tile landed; the next may be in flight
  __syncthreads();
  if (K0 > WgFirst + 63)
    continue; // the whole tile is above this warpgroup's diagonal
  const unsigned long long KDesc = wgDesc(smemAddr(Stages + St * kStage)),
                           VDesc = KDesc + kTile / 16;
  float S[kSn][4];
  wgFence();
#pragma unroll
  for (int Kc = 0; Kc < kKc; ++Kc)
    wgmma<0>(S, QDesc + 2 * Kc, KDesc + 2 * Kc, Kc);
  wgCommitWait();
  pin(S);
  // Keys past some query of this warpgroup: the diagonal tile.
  maskDiag(S, K0 + 63 > WgFirst ? R0 - K0 - Cq : 64);
  softmaxTile(S, M, L, Acc);
  u32 Pf[4][4];
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc)
    accToA(Pf[Kc], S, Kc);
  pin(Acc); // the rescaled accumulators and P are final before the fence
  pin(Pf);
  wgFence();
#pragma unroll
  for (int Kc = 0; Kc < 4; ++Kc)
    wgmma<1>(Acc, Pf[Kc], VDesc + 128 * Kc, 1);
  wgCommitWait();
  pin(Acc);
  pin(Pf);
}
)CU";

} // namespace

bool hybc::attentionUsesWgmma(const AttnDims &D) {
  return D.Mma && D.D == 64 && !D.Overridden && D.FwdWarps == 8 &&
         D.FwdBc == 64 && D.BwdStep == 64 && D.BwdBk == 64;
}

std::string hybc::attentionEngineNote(const AttnDims &D) {
  if (!D.Mma)
    return "";
  return attentionUsesWgmma(D)
             ? " Tensor cores: bf16 wgmma m64n64k16 on sm_90a (mma.sync "
               "m16n8k16 elsewhere), fp32 accumulation."
             : " Tensor cores: bf16 mma.sync m16n8k16, fp32 accumulation.";
}

unsigned hybc::attentionWgmmaSmem(AttnKernel Kind) {
  // 64-row tiles of 8 KiB plus 1 KiB to align the base to 1024 bytes.
  switch (Kind) {
  case AttnKernel::Fwd: // Q (128 rows) and two K/V stages
    return 6 * 8192 + 1024;
  case AttnKernel::DkDv:
    return 2 * 8192 + 2 * (2 * 8192 + 1024) + 1024;
  case AttnKernel::Dq:
    return 8 * 8192 + 1024;
  }
  return 0;
}

void hybc::writeAttentionWgmmaHelpers(SourceWriter &W, const AttnDims &D) {
  if (!attentionUsesWgmma(D))
    return;
  W.line("#if defined(__CUDA_ARCH_FEAT_SM90_ALL)");
  emitVerbatim(W, kWgmmaHelpers);
  emitVerbatim(W, wgmmaWrapper(true));
  emitVerbatim(W, wgmmaWrapper(false));
  emitVerbatim(W, attentionWgmmaBwdHelpers());
  W.line("} // namespace hybc_attn");
  W.line("#endif");
}

void hybc::emitAttentionBodies(SourceWriter &W, const AttnDims &D,
                               AttnKernel Kind, llvm::StringRef MmaBody) {
  if (!attentionUsesWgmma(D)) {
    emitVerbatim(W, MmaBody);
    return;
  }
  // The stores after the main loop are shared: same variable names.
  auto [Loop, Stores] = MmaBody.split(kStoresMarker);
  assert(!Stores.empty() && "mma body without the stores marker");
  W.line("#if defined(__CUDA_ARCH_FEAT_SM90_ALL)");
  emitVerbatim(W, Kind == AttnKernel::Fwd    ? llvm::StringRef(kFwdBody)
                  : Kind == AttnKernel::DkDv ? attentionWgmmaDkDvBody()
                                             : attentionWgmmaDqBody());
  W.line("#else");
  emitVerbatim(W, Loop);
  W.line("#endif");
  W.line(kStoresMarker);
  emitVerbatim(W, Stores);
}
