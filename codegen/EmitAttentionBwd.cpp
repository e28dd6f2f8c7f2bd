//===- codegen/EmitAttentionBwd.cpp - Deterministic FA2 backward ----------===//
///
/// \file
/// Emits the three kernels of `attention_bwd` (docs mamba3.md §6.2), all
/// deterministic (no atomics; every output element has one writer and a
/// fixed summation order):
///   1. `..._bwd_pre_`: Dv[b,h,t] = rowsum(dO ∘ O) into a scratch buffer
///      (one warp per (b, t, h) row).
///   2. `..._bwd_dkdv_`: one block per (k-tile, kv-head, batch); loops over
///      the q-heads of the GQA group and the causal q-tiles, recomputes
///      P = exp(scale·QKᵀ − lse), accumulates dV += Pᵀ dO and
///      dK += scale·dSᵀ Q with dS = P ∘ (dO Vᵀ − Dv) in registers.
///   3. `..._bwd_dq_`: one block per (q-tile, q-head, batch) walking the
///      k-tiles up to the diagonal: dQ = scale·dS K.
/// dout, q, k, v, o and dq, dk, dv are each fp32 or bf16 in memory as the
/// lowering stores them (lse stays fp32); kernels with bf16 tensors carry a
/// "_bf16io" name suffix (attentionDtypeSuffix). Plain FP32 FFMA here: the
/// fallback for head dims that are not a multiple of 16; the others get the
/// tensor-core loops of EmitAttentionMmaBwd.cpp (and, on sm_90a at d = 64,
/// EmitAttentionWgmmaBwd.cpp) with the same names, arguments and pre-pass.
///
/// Example:
///   auto Ks = emitAttentionBackward(*BwdOp, Ctx); // 3 KernelSpecs
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"
#include "codegen/EmitFamilyUtil.h"
#include "codegen/Emitters.h"

#include <optional>

using namespace hybc;

namespace {

/// Shared loaders of both passes: a (rows x kD) tile (fp32 or bf16 in
/// memory) with a padded row stride, zero past the sequence end, plus the
/// per-row lse (exp2 domain) and Dv of a q-tile.
const char kBwdHelpers[] = R"(
namespace hybc_attn {
template <typename TS>
__device__ __forceinline__ void loadRows(const TS *Src, int Heads, int B,
                                         int H, int T0, int Rows, float *Dst) {
  for (int I = threadIdx.x; I < Rows * kD; I += kThreads) {
    int R = I / kD, Dd = I % kD, T = T0 + R;
    Dst[R * (kD + 1) + Dd] =
        T < kT ? ld(Src + rowOf(B, T, Heads, H) + Dd) : 0.f;
  }
}
__device__ __forceinline__ void loadRowStats(const float *Lse,
                                             const float *Dv, int B, int H,
                                             int T0, int Rows, float *LseS,
                                             float *DvS) {
  for (int R = threadIdx.x; R < Rows; R += kThreads) {
    int T = T0 + R;
    unsigned long long E = ((unsigned long long)B * kHq + H) * kT + T;
    LseS[R] = T < kT ? Lse[E] * kLog2e : 0.f;
    DvS[R] = T < kT ? Dv[E] : 0.f;
  }
}
// P and dS of query T (row stats Ls, Dvv) and key C from the raw dot
// products S = q·k and Dp = dO·v.
__device__ __forceinline__ void probGrad(float S, float Dp, int T, int C,
                                         float Ls, float Dvv, float &P,
                                         float &Ds) {
  bool Live = C <= T && T < kT;
  P = Live ? exp2f(S * kScaleLog2 - Ls) : 0.f;
  Ds = P * (Dp - Dvv);
}
} // namespace hybc_attn
)";

const char kDkDvBody[] = R"(
using namespace hybc_attn;
static constexpr int kRk = kBwdBk / 16, kCq = kBwdBq / 8, kLd = kD + 1;
__shared__ float Ks[kBwdBk * kLd], Vs[kBwdBk * kLd];
__shared__ float Qs[kBwdBq * kLd], Dos[kBwdBq * kLd];
__shared__ float Ps[kBwdBk][kBwdBq + 1], Dss[kBwdBk][kBwdBq + 1];
__shared__ float LseS[kBwdBq], DvS[kBwdBq];
const int Tid = threadIdx.x, Tx = Tid & 7, Ty = Tid >> 3;
const int K0 = blockIdx.x * kBwdBk, Hk = blockIdx.y, B = blockIdx.z;
loadRows(k, kHkv, B, Hk, K0, kBwdBk, Ks);
loadRows(v, kHkv, B, Hk, K0, kBwdBk, Vs);
float DK[kRk][kOc], DV[kRk][kOc];
#pragma unroll
for (int I = 0; I < kRk; ++I)
#pragma unroll
  for (int J = 0; J < kOc; ++J)
    DK[I][J] = DV[I][J] = 0.f;
for (int G = 0; G < kGroup; ++G) {
  const int H = Hk * kGroup + G;
  for (int Q0 = (K0 / kBwdBq) * kBwdBq; Q0 < kT; Q0 += kBwdBq) {
    __syncthreads();
    loadRows(q, kHq, B, H, Q0, kBwdBq, Qs);
    loadRows(dout, kHq, B, H, Q0, kBwdBq, Dos);
    loadRowStats(lse, attn_dv_rowsum, B, H, Q0, kBwdBq, LseS, DvS);
    __syncthreads();
    // Sᵀ = K Qᵀ and dPᵀ = V dOᵀ (MMA site).
    float S[kRk][kCq], Dp[kRk][kCq];
#pragma unroll
    for (int I = 0; I < kRk; ++I)
#pragma unroll
      for (int J = 0; J < kCq; ++J)
        S[I][J] = Dp[I][J] = 0.f;
#pragma unroll 4
    for (int Dd = 0; Dd < kD; ++Dd) {
      float Kv[kRk], Vv[kRk], Qv[kCq], Ov[kCq];
#pragma unroll
      for (int I = 0; I < kRk; ++I) {
        Kv[I] = Ks[(Ty + 16 * I) * kLd + Dd];
        Vv[I] = Vs[(Ty + 16 * I) * kLd + Dd];
      }
#pragma unroll
      for (int J = 0; J < kCq; ++J) {
        Qv[J] = Qs[(Tx + 8 * J) * kLd + Dd];
        Ov[J] = Dos[(Tx + 8 * J) * kLd + Dd];
      }
#pragma unroll
      for (int I = 0; I < kRk; ++I)
#pragma unroll
        for (int J = 0; J < kCq; ++J) {
          S[I][J] = fmaf(Kv[I], Qv[J], S[I][J]);
          Dp[I][J] = fmaf(Vv[I], Ov[J], Dp[I][J]);
        }
    }
#pragma unroll
    for (int I = 0; I < kRk; ++I)
#pragma unroll
      for (int J = 0; J < kCq; ++J) {
        int R = Tx + 8 * J, C = Ty + 16 * I;
        probGrad(S[I][J], Dp[I][J], Q0 + R, K0 + C, LseS[R], DvS[R],
                 Ps[C][R], Dss[C][R]);
      }
    __syncthreads();
    // dV += Pᵀ dO, dK += dSᵀ Q (MMA site).
#pragma unroll 4
    for (int R = 0; R < kBwdBq; ++R) {
      float Pv[kRk], Dsv[kRk], Ov[kOc], Qv[kOc];
#pragma unroll
      for (int I = 0; I < kRk; ++I) {
        Pv[I] = Ps[Ty + 16 * I][R];
        Dsv[I] = Dss[Ty + 16 * I][R];
      }
#pragma unroll
      for (int J = 0; J < kOc; ++J) {
        Ov[J] = Dos[R * kLd + Tx + 8 * J];
        Qv[J] = Qs[R * kLd + Tx + 8 * J];
      }
#pragma unroll
      for (int I = 0; I < kRk; ++I)
#pragma unroll
        for (int J = 0; J < kOc; ++J) {
          DV[I][J] = fmaf(Pv[I], Ov[J], DV[I][J]);
          DK[I][J] = fmaf(Dsv[I], Qv[J], DK[I][J]);
        }
    }
  }
}
#pragma unroll
for (int I = 0; I < kRk; ++I) {
  int T = K0 + Ty + 16 * I;
  if (T >= kT)
    continue;
#pragma unroll
  for (int J = 0; J < kOc; ++J) {
    st(dk + rowOf(B, T, kHkv, Hk) + Tx + 8 * J, DK[I][J] * kScale);
    st(dv + rowOf(B, T, kHkv, Hk) + Tx + 8 * J, DV[I][J]);
  }
})";

const char kDqBody[] = R"(
using namespace hybc_attn;
static constexpr int kRq = kBwdBq / 16, kCk = kBwdBk / 8, kLd = kD + 1;
__shared__ float Qs[kBwdBq * kLd], Dos[kBwdBq * kLd];
__shared__ float Ks[kBwdBk * kLd], Vs[kBwdBk * kLd];
__shared__ float Dss[kBwdBq][kBwdBk + 1];
__shared__ float LseS[kBwdBq], DvS[kBwdBq];
const int Tid = threadIdx.x, Tx = Tid & 7, Ty = Tid >> 3;
const int Q0 = (gridDim.x - 1 - blockIdx.x) * kBwdBq; // heaviest first
const int H = blockIdx.y, B = blockIdx.z, Hk = H / kGroup;
loadRows(q, kHq, B, H, Q0, kBwdBq, Qs);
loadRows(dout, kHq, B, H, Q0, kBwdBq, Dos);
loadRowStats(lse, attn_dv_rowsum, B, H, Q0, kBwdBq, LseS, DvS);
float DQ[kRq][kOc];
#pragma unroll
for (int I = 0; I < kRq; ++I)
#pragma unroll
  for (int J = 0; J < kOc; ++J)
    DQ[I][J] = 0.f;
const int KEnd = min(kT, Q0 + kBwdBq);
for (int K0 = 0; K0 < KEnd; K0 += kBwdBk) {
  __syncthreads();
  loadRows(k, kHkv, B, Hk, K0, kBwdBk, Ks);
  loadRows(v, kHkv, B, Hk, K0, kBwdBk, Vs);
  __syncthreads();
  // S = Q Kᵀ and dP = dO Vᵀ (MMA site).
  float S[kRq][kCk], Dp[kRq][kCk];
#pragma unroll
  for (int I = 0; I < kRq; ++I)
#pragma unroll
    for (int J = 0; J < kCk; ++J)
      S[I][J] = Dp[I][J] = 0.f;
#pragma unroll 4
  for (int Dd = 0; Dd < kD; ++Dd) {
    float Qv[kRq], Ov[kRq], Kv[kCk], Vv[kCk];
#pragma unroll
    for (int I = 0; I < kRq; ++I) {
      Qv[I] = Qs[(Ty + 16 * I) * kLd + Dd];
      Ov[I] = Dos[(Ty + 16 * I) * kLd + Dd];
    }
#pragma unroll
    for (int J = 0; J < kCk; ++J) {
      Kv[J] = Ks[(Tx + 8 * J) * kLd + Dd];
      Vv[J] = Vs[(Tx + 8 * J) * kLd + Dd];
    }
#pragma unroll
    for (int I = 0; I < kRq; ++I)
#pragma unroll
      for (int J = 0; J < kCk; ++J) {
        S[I][J] = fmaf(Qv[I], Kv[J], S[I][J]);
        Dp[I][J] = fmaf(Ov[I], Vv[J], Dp[I][J]);
      }
  }
#pragma unroll
  for (int I = 0; I < kRq; ++I)
#pragma unroll
    for (int J = 0; J < kCk; ++J) {
      int R = Ty + 16 * I, C = Tx + 8 * J;
      float P;
      probGrad(S[I][J], Dp[I][J], Q0 + R, K0 + C, LseS[R], DvS[R], P,
               Dss[R][C]);
    }
  __syncthreads();
  // dQ += dS K (MMA site).
#pragma unroll 4
  for (int C = 0; C < kBwdBk; ++C) {
    float Dsv[kRq], Kv[kOc];
#pragma unroll
    for (int I = 0; I < kRq; ++I)
      Dsv[I] = Dss[Ty + 16 * I][C];
#pragma unroll
    for (int J = 0; J < kOc; ++J)
      Kv[J] = Ks[C * kLd + Tx + 8 * J];
#pragma unroll
    for (int I = 0; I < kRq; ++I)
#pragma unroll
      for (int J = 0; J < kOc; ++J)
        DQ[I][J] = fmaf(Dsv[I], Kv[J], DQ[I][J]);
  }
}
#pragma unroll
for (int I = 0; I < kRq; ++I) {
  int T = Q0 + Ty + 16 * I;
  if (T >= kT)
    continue;
#pragma unroll
  for (int J = 0; J < kOc; ++J)
    st(dq + rowOf(B, T, kHq, H) + Tx + 8 * J, DQ[I][J] * kScale);
})";

/// The tensors each backward kernel reads or writes (AttnTensor bits).
constexpr unsigned kPreTensors = AtDo | AtO;
constexpr unsigned kDkDvTensors = AtDo | AtQ | AtK | AtV | AtDk | AtDv;
constexpr unsigned kDqTensors = AtDo | AtQ | AtK | AtV | AtDq;

/// Common spec fields of one backward kernel that touches \p Used; the
/// name carries the dtype suffix of those tensors.
KernelSpec makeSpec(const AttnDims &D, llvm::StringRef Stage, unsigned Threads,
                    const ir::Op &O, unsigned Bf16, unsigned Used) {
  KernelSpec K;
  K.Name = ("hybc_attention_bwd_" + Stage + "_" + D.signature()).str() +
           attentionDtypeSuffix(Bf16, Used);
  K.Family = "attention";
  K.Block[0] = Threads;
  addProvenance(K, O);
  return K;
}

/// Header (summary plus the bf16 tensors of \p Bf16Used), constants,
/// helpers, signature and body.
void assemble(KernelSpec &K, const AttnDims &D, const ir::Op &O,
              const EmitContext &C, llvm::StringRef Summary,
              llvm::StringRef Body, std::optional<AttnKernel> Pass,
              unsigned Bf16Used, unsigned MinBlocks = 0) {
  SourceWriter W;
  writeKernelHeader(W, K, K.FusedOps, specLineText(O, C),
                    Summary.str() + attentionDtypeNote(Bf16Used));
  writeAttentionConstants(W, D, K.Block[0]);
  if (Pass && D.Mma)
    writeAttentionMmaHelpers(W, D);
  else if (Pass)
    emitVerbatim(W, kBwdHelpers);
  openKernel(W, K, K.Block[0], MinBlocks);
  if (Pass && D.Mma)
    emitAttentionBodies(W, D, *Pass, Body);
  else
    emitVerbatim(W, Body);
  W.close();
  finishKernel(K, W);
}

/// The dK/dV or dQ kernel on the tensor-core (D.Mma) or the FFMA path.
void assemblePass(KernelSpec &K, const AttnDims &D, const ir::Op &O,
                  const EmitContext &C, bool DkDv, unsigned Bf16) {
  if (D.Mma)
    K.SharedBytes = attentionMmaBwdSmem(D, DkDv);
  const std::string Summary =
      (DkDv ? "attention backward 2/3: dK, dV per (k-tile, kv-head, batch), "
              "summed over the GQA group and causal q-tiles in a fixed order."
            : "attention backward 3/3: dQ per (q-tile, q-head, batch) over "
              "the causal k-tiles (no atomics).") +
      attentionEngineNote(D);
  llvm::StringRef Body =
      DkDv ? (D.Mma ? attentionMmaDkDvBody() : llvm::StringRef(kDkDvBody))
           : (D.Mma ? attentionMmaDqBody() : llvm::StringRef(kDqBody));
  // Up to d = 64 the tensor-core passes keep 12 warps per SM (3 dK/dV
  // blocks of 4, 2 dQ blocks of 8): registers are capped to fit.
  unsigned MinBlocks =
      D.Mma && D.D <= 64 && !D.Overridden ? (DkDv ? 3 : 2) : 0;
  assemble(K, D, O, C, Summary, Body, DkDv ? AttnKernel::DkDv : AttnKernel::Dq,
           Bf16 & (DkDv ? kDkDvTensors : kDqTensors), MinBlocks);
}

/// Arguments dout, q, k, v, lse, attn_dv_rowsum (read) shared by the dK/dV
/// and dQ kernels, then the \p Outs of the pass.
std::vector<KernelArg> passArgs(const ir::Op &O, const AttnDims &D,
                                unsigned Bf16, llvm::ArrayRef<KernelArg> Outs) {
  const int64_t QN = D.B * D.T * D.Hq * D.D, KN = D.B * D.T * D.Hkv * D.D;
  const int64_t RN = D.B * D.Hq * D.T;
  auto In = [&](llvm::StringRef Name, unsigned I, int64_t N, unsigned Bit) {
    return attentionBufferArg(Name, N, O.operand(I)->id(), false, Bf16 & Bit);
  };
  std::vector<KernelArg> Args = {
      In("dout", 0, QN, AtDo),
      In("q", 1, QN, AtQ),
      In("k", 2, KN, AtK),
      In("v", 3, KN, AtV),
      bufferArg("lse", RN, O.operand(5)->id(), false),
      scratchArg("attn_dv_rowsum", RN, false)};
  Args.insert(Args.end(), Outs.begin(), Outs.end());
  return Args;
}

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitAttentionBackward(const ir::Op &O, const EmitContext &C) {
  if (O.kind() != ir::OpKind::AttentionBwd || O.numOperands() != 6 ||
      O.numResults() != 3)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "attention codegen: expected an "
                                   "attention_bwd op (do,q,k,v,o,lse) -> "
                                   "(dq,dk,dv)");
  auto D = attentionDimsOf(O.operand(1)->type(), O.operand(2)->type(),
                           O.operand(3)->type(), C.AttnTiles);
  if (!D)
    return D.takeError();
  const unsigned Bf = attentionBf16Mask(O, C);
  const int64_t QN = D->B * D->T * D->Hq * D->D;
  const int64_t KN = D->B * D->T * D->Hkv * D->D, RN = D->B * D->Hq * D->T;
  auto Out = [&](llvm::StringRef Name, unsigned I, int64_t N, unsigned Bit) {
    return attentionBufferArg(Name, N, O.result(I)->id(), true, Bf & Bit);
  };
  std::vector<KernelSpec> Ks;
  KernelSpec Pre = makeSpec(*D, "pre", 256, O, Bf, kPreTensors);
  // kPl lanes per row: d / 8 rounded up to a power of two (the pre body).
  int64_t Lanes = 1;
  while (Lanes * 8 < D->D)
    Lanes *= 2;
  Pre.Grid[0] = static_cast<unsigned>(ceilDiv(RN, 256 / Lanes));
  Pre.Args = {
      attentionBufferArg("dout", QN, O.operand(0)->id(), false, Bf & AtDo),
      attentionBufferArg("o", QN, O.operand(4)->id(), false, Bf & AtO),
      scratchArg("attn_dv_rowsum", RN, true)};
  assemble(Pre, *D, O, C, "attention backward 1/3: Dv = rowsum(dO * O).",
           attentionPreBody(), std::nullopt, Bf & kPreTensors);
  Ks.push_back(std::move(Pre));

  KernelSpec Kv = makeSpec(*D, "dkdv", 128, O, Bf, kDkDvTensors);
  Kv.Grid[0] = static_cast<unsigned>(ceilDiv(D->T, D->BwdBk));
  Kv.Grid[1] = static_cast<unsigned>(D->Hkv);
  Kv.Grid[2] = static_cast<unsigned>(D->B);
  Kv.Args =
      passArgs(O, *D, Bf, {Out("dk", 1, KN, AtDk), Out("dv", 2, KN, AtDv)});
  assemblePass(Kv, *D, O, C, /*DkDv=*/true, Bf);
  Ks.push_back(std::move(Kv));

  KernelSpec Dq = makeSpec(*D, "dq", D->Mma ? unsigned(32 * D->FwdWarps) : 128u,
                           O, Bf, kDqTensors);
  Dq.Grid[0] = static_cast<unsigned>(ceilDiv(D->T, D->BwdBq));
  Dq.Grid[1] = static_cast<unsigned>(D->Hq);
  Dq.Grid[2] = static_cast<unsigned>(D->B);
  Dq.Args = passArgs(O, *D, Bf, {Out("dq", 0, QN, AtDq)});
  assemblePass(Dq, *D, O, C, /*DkDv=*/false, Bf);
  Ks.push_back(std::move(Dq));
  return Ks;
}
