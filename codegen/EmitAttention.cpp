//===- codegen/EmitAttention.cpp - FA2-style causal GQA forward -----------===//
///
/// \file
/// Emits the forward kernel of `attention` (causal GQA, scale 1/sqrt(d);
/// docs mamba3.md §6.1): one block of 128 threads per (q-tile, q-head,
/// batch), q-tiles scheduled heaviest first. Q (pre-scaled by
/// scale·log2 e) stays in shared memory; K is staged transposed and V
/// row-major per key tile; the online softmax keeps the row max and sum in
/// registers (exp2 domain) and the P·V product reads Pᵀ from the buffer
/// that held Kᵀ. Outputs o (B,T,Hq,D) and the natural-log lse (B,Hq,T).
///
/// Thread layout: tx = tid & 7 owns key columns tx + 8j and output dims
/// tx + 8j; ty = tid >> 3 owns query rows ty + 16i. Row reductions are
/// 8-lane shuffles. Plain FP32 FFMA: this is the fallback for head dims
/// that are not a multiple of 16; the others go to the bf16 tensor-core
/// kernel of EmitAttentionMma.cpp (same name and ABI). q, k, v and o are
/// each fp32 or bf16 in memory as EmitContext::isBf16 says (lse is fp32):
/// bf16 args are typed `hybc::bf16`, loads widen and stores round to
/// nearest even (`ld` / `st` overloads), and the name gets a "_bf16io"
/// suffix (attentionDtypeSuffix, EmitAttentionArgs.cpp). This file also
/// holds the shape checks and constants both paths share.
///
/// Example:
///   auto Ks = emitAttentionForward(*AttnOp, EmitContext{"model.hyb"});
///   // Ks->front().Name == "hybc_attention_fwd_b2_t1024_hq8_hkv4_d64"
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"
#include "codegen/EmitFamilyUtil.h"
#include "codegen/Emitters.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace hybc;

std::string AttnDims::signature() const {
  return llvm::formatv("b{0}_t{1}_hq{2}_hkv{3}_d{4}", B, T, Hq, Hkv, D).str();
}

llvm::Expected<AttnDims> hybc::attentionDimsOf(const ir::TensorType &Q,
                                               const ir::TensorType &K,
                                               const ir::TensorType &V,
                                               const AttnTileOverride &Tiles) {
  auto Fail = [&](llvm::StringRef Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "attention codegen: q " + Q.str() + ", k " +
                                       K.str() + ", v " + V.str() + ": " + Why);
  };
  if (Q.rank() != 4 || K.rank() != 4 || K != V)
    return Fail("expected q (B,T,Hq,D) and equal k, v (B,T,Hkv,D)");
  AttnDims D;
  D.B = Q.Shape[0], D.T = Q.Shape[1], D.Hq = Q.Shape[2], D.D = Q.Shape[3];
  D.Hkv = K.Shape[2];
  if (K.Shape[0] != D.B || K.Shape[1] != D.T || K.Shape[3] != D.D)
    return Fail("batch, time and head dim of q and k differ");
  if (D.Hkv <= 0 || D.Hq % D.Hkv != 0)
    return Fail("q heads must be a multiple of kv heads");
  if (D.D < 8 || D.D > 128 || D.D % 8 != 0)
    return Fail("head dim must be a multiple of 8 in [8, 128] (hint: the "
                "FFMA kernels tile d in steps of 8)");
  if (D.D % 16 == 0) {
    D.Mma = true;
    // 8 warps (128 query rows) halve the K/V tile traffic per FLOP; above
    // d = 64 the register budget allows only 4 per block at 2 blocks/SM.
    D.FwdWarps = D.D > 64 ? 4 : 8;
    D.FwdBr = D.BwdBq = 16 * D.FwdWarps;
    D.FwdBc = D.BwdBk = 64;
    D.BwdStep = D.D > 64 ? 32 : 64;
    if (Tiles.any()) {
      D.Overridden = true;
      auto Pick = [](int V, int64_t Default) { return V ? V : Default; };
      D.FwdWarps = Pick(Tiles.FwdWarps, D.FwdWarps);
      D.FwdBc = Pick(Tiles.FwdBc, D.FwdBc);
      D.BwdStep = Pick(Tiles.BwdStep, D.BwdStep);
      D.FwdBr = D.BwdBq = 16 * D.FwdWarps;
      const int64_t S = D.BwdStep;
      if ((D.FwdWarps != 4 && D.FwdWarps != 8) || D.FwdBc % 16 != 0 ||
          D.FwdBc > 128 || D.FwdBr > 2 * D.FwdBc || S < 16 || S > 128 ||
          (S & (S - 1)) != 0)
        return Fail("bad HYBC_ATTN_TILES (hint: forward warps 4 or 8, key "
                    "tile a multiple of 16 up to 128 and at least 8 x the "
                    "warps, backward step 16, 32, 64 or 128)");
    }
  } else if (D.D > 64) {
    D.FwdBr = 32, D.FwdBc = 16;
    D.BwdBk = 16, D.BwdBq = 16;
  }
  return D;
}

void hybc::writeAttentionConstants(SourceWriter &W, const AttnDims &D,
                                   unsigned Threads) {
  W.open("namespace hybc_attn");
  constInt(W, "kB", D.B);
  constInt(W, "kT", D.T);
  constInt(W, "kHq", D.Hq);
  constInt(W, "kHkv", D.Hkv);
  constInt(W, "kD", D.D);
  constInt(W, "kGroup", D.group());
  constInt(W, "kFwdBr", D.FwdBr);
  constInt(W, "kFwdBc", D.FwdBc);
  constInt(W, "kBwdBk", D.BwdBk);
  constInt(W, "kBwdBq", D.BwdBq);
  if (D.Mma)
    constInt(W, "kBwdStep", D.BwdStep);
  constFloat(W, "kScale", 1.0 / std::sqrt(static_cast<double>(D.D)));
  constFloat(W, "kScaleLog2",
             1.0 / std::sqrt(static_cast<double>(D.D)) / std::log(2.0));
  constFloat(W, "kLog2e", 1.0 / std::log(2.0));
  constFloat(W, "kLn2", std::log(2.0));
  W.line("[[maybe_unused]] static constexpr int kThreads = " +
         std::to_string(Threads) + ";");
  emitVerbatim(W, R"(
[[maybe_unused]] static constexpr int kOc = kD / 8;
using hybc::ld; // fp32 / bf16 element load and store (prelude)
using hybc::st;
// 8 consecutive values (P 32-byte / 16-byte aligned).
__device__ __forceinline__ void ld8(float (&X)[8], const float *P) {
  const float4 A = reinterpret_cast<const float4 *>(P)[0];
  const float4 B = reinterpret_cast<const float4 *>(P)[1];
  X[0] = A.x, X[1] = A.y, X[2] = A.z, X[3] = A.w;
  X[4] = B.x, X[5] = B.y, X[6] = B.z, X[7] = B.w;
}
__device__ __forceinline__ void ld8(float (&X)[8], const hybc::bf16 *P) {
  const uint4 U = *reinterpret_cast<const uint4 *>(P);
  const unsigned W[4] = {U.x, U.y, U.z, U.w};
#pragma unroll
  for (int I = 0; I < 4; ++I) {
    X[2 * I] = __uint_as_float(W[I] << 16);
    X[2 * I + 1] = __uint_as_float(W[I] & 0xffff0000u);
  }
}
__device__ __forceinline__ float negInf() { return __int_as_float(0xff800000); }
__device__ __forceinline__ float max8(float V) {
  V = fmaxf(V, __shfl_xor_sync(0xffffffffu, V, 4));
  V = fmaxf(V, __shfl_xor_sync(0xffffffffu, V, 2));
  return fmaxf(V, __shfl_xor_sync(0xffffffffu, V, 1));
}
__device__ __forceinline__ float sum8(float V) {
  V += __shfl_xor_sync(0xffffffffu, V, 4);
  V += __shfl_xor_sync(0xffffffffu, V, 2);
  return V + __shfl_xor_sync(0xffffffffu, V, 1);
}
__device__ __forceinline__ unsigned long long rowOf(int B, int T, int Heads,
                                                    int H) {
  return ((unsigned long long)(B * kT + T) * Heads + H) * kD;
})");
  W.close("  // namespace hybc_attn");
}

namespace {

/// Tile loads and the online-softmax step of the forward kernel.
const char kFwdHelpers[] = R"(
namespace hybc_attn {
static constexpr int kRpt = kFwdBr / 16;
static constexpr int kCpt = kFwdBc / 8;
static constexpr int kKtFloats = kD * (kFwdBc + 1);
static constexpr int kPtFloats = kFwdBc * (kFwdBr + 1);
static constexpr int kKpFloats = kKtFloats > kPtFloats ? kKtFloats : kPtFloats;
// Kᵀ tile (d-major, padded) and the V tile of keys [K0, K0 + kFwdBc)
// (fp32 or bf16 in memory).
template <typename TK, typename TV>
__device__ __forceinline__ void loadKv(const TK *K, const TV *V, int B, int Hk,
                                       int K0, float *Kt, float *Vs) {
  for (int I = threadIdx.x; I < kFwdBc * kD; I += kThreads) {
    int C = I / kD, Dd = I % kD, T = K0 + C;
    bool Ok = T < kT;
    Kt[Dd * (kFwdBc + 1) + C] = Ok ? ld(K + rowOf(B, T, kHkv, Hk) + Dd) : 0.f;
    Vs[C * kD + Dd] = Ok ? ld(V + rowOf(B, T, kHkv, Hk) + Dd) : 0.f;
  }
}
// Masks S (exp2 domain), updates the running max M and sum L, turns S
// into P and rescales the output accumulators.
__device__ __forceinline__ void softmaxStep(float (&S)[kRpt][kCpt],
                                            float (&M)[kRpt],
                                            float (&L)[kRpt],
                                            float (&Acc)[kRpt][kOc], int Q0,
                                            int K0, int Tx, int Ty) {
#pragma unroll
  for (int I = 0; I < kRpt; ++I) {
    int R = Q0 + Ty + 16 * I;
    float Mx = negInf();
#pragma unroll
    for (int J = 0; J < kCpt; ++J) {
      int C = K0 + Tx + 8 * J;
      if (C > R || C >= kT)
        S[I][J] = negInf();
      Mx = fmaxf(Mx, S[I][J]);
    }
    float MNew = fmaxf(M[I], max8(Mx));
    float MUse = MNew == negInf() ? 0.f : MNew;
    float Corr = exp2f(M[I] - MUse);
    float Rs = 0.f;
#pragma unroll
    for (int J = 0; J < kCpt; ++J) {
      S[I][J] = exp2f(S[I][J] - MUse);
      Rs += S[I][J];
    }
    L[I] = L[I] * Corr + sum8(Rs);
    M[I] = MNew;
#pragma unroll
    for (int J = 0; J < kOc; ++J)
      Acc[I][J] *= Corr;
  }
}
} // namespace hybc_attn
)";

/// The kernel body after the parameter list.
const char kFwdBody[] = R"(
using namespace hybc_attn;
__shared__ float Qs[kFwdBr][kD + 1];
__shared__ float KtPt[kKpFloats];
__shared__ float Vs[kFwdBc * kD];
const int Tid = threadIdx.x, Tx = Tid & 7, Ty = Tid >> 3;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kFwdBr; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
for (int I = Tid; I < kFwdBr * kD; I += kThreads) {
  int R = I / kD, Dd = I % kD, T = Q0 + R;
  Qs[R][Dd] = T < kT ? ld(q + rowOf(B, T, kHq, H) + Dd) * kScaleLog2 : 0.f;
}
float M[kRpt], L[kRpt], Acc[kRpt][kOc];
#pragma unroll
for (int I = 0; I < kRpt; ++I) {
  M[I] = negInf();
  L[I] = 0.f;
#pragma unroll
  for (int J = 0; J < kOc; ++J)
    Acc[I][J] = 0.f;
}
const int KEnd = min(kT, Q0 + kFwdBr);
for (int K0 = 0; K0 < KEnd; K0 += kFwdBc) {
  __syncthreads(); // previous tile fully consumed
  loadKv(k, v, B, Hk, K0, KtPt, Vs);
  __syncthreads();
  // S = (scale·log2e·Q) Kᵀ. MMA site: mma.sync m16n8k16 / wgmma here.
  float S[kRpt][kCpt];
#pragma unroll
  for (int I = 0; I < kRpt; ++I)
#pragma unroll
    for (int J = 0; J < kCpt; ++J)
      S[I][J] = 0.f;
#pragma unroll 8
  for (int Dd = 0; Dd < kD; ++Dd) {
    float Qv[kRpt], Kv[kCpt];
#pragma unroll
    for (int I = 0; I < kRpt; ++I)
      Qv[I] = Qs[Ty + 16 * I][Dd];
#pragma unroll
    for (int J = 0; J < kCpt; ++J)
      Kv[J] = KtPt[Dd * (kFwdBc + 1) + Tx + 8 * J];
#pragma unroll
    for (int I = 0; I < kRpt; ++I)
#pragma unroll
      for (int J = 0; J < kCpt; ++J)
        S[I][J] = fmaf(Qv[I], Kv[J], S[I][J]);
  }
  softmaxStep(S, M, L, Acc, Q0, K0, Tx, Ty);
  __syncthreads(); // Kᵀ no longer read: reuse the buffer for Pᵀ
#pragma unroll
  for (int I = 0; I < kRpt; ++I)
#pragma unroll
    for (int J = 0; J < kCpt; ++J)
      KtPt[(Tx + 8 * J) * (kFwdBr + 1) + Ty + 16 * I] = S[I][J];
  __syncthreads();
  // O += P V. MMA site: mma.sync m16n8k16 / wgmma here.
#pragma unroll 4
  for (int C = 0; C < kFwdBc; ++C) {
    float Pv[kRpt], Vv[kOc];
#pragma unroll
    for (int I = 0; I < kRpt; ++I)
      Pv[I] = KtPt[C * (kFwdBr + 1) + Ty + 16 * I];
#pragma unroll
    for (int J = 0; J < kOc; ++J)
      Vv[J] = Vs[C * kD + Tx + 8 * J];
#pragma unroll
    for (int I = 0; I < kRpt; ++I)
#pragma unroll
      for (int J = 0; J < kOc; ++J)
        Acc[I][J] = fmaf(Pv[I], Vv[J], Acc[I][J]);
  }
}
#pragma unroll
for (int I = 0; I < kRpt; ++I) {
  int R = Q0 + Ty + 16 * I;
  if (R >= kT)
    continue;
  float Inv = 1.f / L[I];
#pragma unroll
  for (int J = 0; J < kOc; ++J)
    st(o + rowOf(B, R, kHq, H) + Tx + 8 * J, Acc[I][J] * Inv);
  if (Tx == 0)
    lse[((unsigned long long)B * kHq + H) * kT + R] =
        (M[I] + log2f(L[I])) * kLn2;
})";

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitAttentionForward(const ir::Op &O, const EmitContext &C) {
  if (O.kind() != ir::OpKind::Attention || O.numOperands() != 3 ||
      O.numResults() != 2)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "attention codegen: expected an attention "
                                   "op with 3 operands and 2 results");
  auto D = attentionDimsOf(O.operand(0)->type(), O.operand(1)->type(),
                           O.operand(2)->type(), C.AttnTiles);
  if (!D)
    return D.takeError();
  if (D->Mma)
    return emitAttentionForwardMma(O, C, *D);
  const unsigned Bf = attentionBf16Mask(O, C);
  KernelSpec K;
  K.Name = "hybc_attention_fwd_" + D->signature() +
           attentionDtypeSuffix(Bf, AtQ | AtK | AtV | AtO);
  K.Family = "attention";
  K.Grid[0] = static_cast<unsigned>(ceilDiv(D->T, D->FwdBr));
  K.Grid[1] = static_cast<unsigned>(D->Hq);
  K.Grid[2] = static_cast<unsigned>(D->B);
  K.Block[0] = 128;
  K.Args = attentionForwardArgs(O, *D, Bf);
  addProvenance(K, O);
  SourceWriter W;
  writeKernelHeader(W, K, K.FusedOps, specLineText(O, C),
                    "FA2-style causal GQA forward: one block per (q-tile, "
                    "q-head, batch), online softmax, FP32 FFMA." +
                        attentionDtypeNote(Bf));
  writeAttentionConstants(W, *D);
  emitVerbatim(W, kFwdHelpers);
  openKernel(W, K, 128);
  emitVerbatim(W, kFwdBody);
  W.close();
  finishKernel(K, W);
  return std::vector<KernelSpec>{std::move(K)};
}
