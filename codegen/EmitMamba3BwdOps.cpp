//===- codegen/EmitMamba3BwdOps.cpp - Mamba-3 backward device code --------===//
///
/// \file
/// Device functions of the Mamba-3 core backward kernel (docs mamba3.md
/// §3.4 step 1-4), one chunk at a time with S̄ = dL/dS_{j+1} in shared
/// memory. Notation: Ab holds first A (forward mask·decay·σ·q̃k̃ᵀ + diag)
/// and then Ā_ts = (ȳ_t·x_s)e^{cs_t−cs_s} (s < t); Dcs the gradient of the
/// chunk-local cumulative log-decays; T1/T2 the inter-chunk terms of Dcs;
/// SbarT the σ̄ of every token. Tiles: rows Ty + 16i, columns Tx + 16j.
/// Example: `emitVerbatim(W, mamba3BwdOpsText())` inside namespace hybc_m3.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

const char kBwdOpsA[] = R"(
struct Bwd {
  float *St, *Sb, *DQ, *DK, *Dy, *QK, *Ab, *Dg, *Dcs, *SbarT, *T1, *T2, *Ddt,
      *Dlam, *PbC, *Red;
};
__device__ __forceinline__ Bwd bwdOf(float *Sm) {
  return Bwd{Sm + kSmSt,  Sm + kSmSb,    Sm + kSmDQ,  Sm + kSmDK,
             Sm + kSmDy,  Sm + kSmQK,    Sm + kSmAb,  Sm + kSmDg,
             Sm + kSmDcs, Sm + kSmSbarT, Sm + kSmT1,  Sm + kSmT2,
             Sm + kSmDdt, Sm + kSmDlam,  Sm + kSmPbC, Sm + kSmRed};
}
// Red[8] = e^{cs_last} <S̄, S_j> (all threads call; valid after a sync).
__device__ __forceinline__ void kappaOf(const Chunk &S, const Bwd &W) {
  float V = 0.f;
  for (int I = threadIdx.x; I < kP * kN; I += kThreads) {
    int E = (I / kN) * kLdN + I % kN;
    V = fmaf(W.Sb[E], W.St[E], V);
  }
  V = sum32(V);
  if ((threadIdx.x & 31) == 0)
    W.Red[threadIdx.x >> 5] = V;
  __syncthreads();
  if (threadIdx.x == 0) {
    float K = 0.f;
    for (int I = 0; I < kThreads / 32; ++I)
      K += W.Red[I];
    W.Red[8] = K * expf(S.Cs[kLc - 1]);
  }
}
// dx_s = Σ_t A_ts ȳ_t + e^{cs_last−cs_s} σ_s S̄ k̃_s (A holds D + γ q·k on its
// diagonal); T2[s] = e^{cs_last−cs_s} σ_s x_s·(S̄ k̃_s).
__device__ __forceinline__ void dxPass(const Chunk &S, const Bwd &W,
                                       float *Dw, int B, int H, int C0,
                                       int Tx, int Ty) {
  float Acc[kMT][kPT] = {}, In[kMT][kPT] = {};
  for (int T = 0; T < kLc; ++T) {
    float Av[kMT], Dv[kPT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Av[I] = W.Ab[T * kLdC + Ty + 16 * I];
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Dv[J] = W.Dy[T * kLdP + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kPT; ++J)
        Acc[I][J] = fmaf(Av[I], Dv[J], Acc[I][J]);
  }
  for (int Nn = 0; Nn < kN; ++Nn) {
    float Kv[kMT], Sv[kPT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Kv[I] = S.K[(Ty + 16 * I) * kLdN + Nn];
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Sv[J] = W.Sb[(Tx + 16 * J) * kLdN + Nn];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kPT; ++J)
        In[I][J] = fmaf(Kv[I], Sv[J], In[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int Sx = Ty + 16 * I, Tg = C0 + Sx;
    const float Wt = S.We[Sx] * S.Sig[Sx];
    float Ws = 0.f;
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Pp = Tx + 16 * J;
      Ws = fmaf(S.X[Sx * kLdP + Pp], Wt * In[I][J], Ws);
      if (Tg < kL)
        Dw[((u64)B * kL + Tg) * kDProj + kOffX + H * kP + Pp] =
            fmaf(Wt, In[I][J], Acc[I][J]);
    }
    Ws = sum16(Ws);
    if (Tx == 0)
      W.T2[Sx] = Ws;
  }
}
// Ab[t][s] = (ȳ_t·x_s) e^{cs_t−cs_s} for s < t, else 0.
__device__ __forceinline__ void abarPass(const Chunk &S, const Bwd &W, int Tx,
                                         int Ty) {
  float Acc[kMT][kMT] = {};
  for (int Pp = 0; Pp < kP; ++Pp) {
    float Dv[kMT], Xv[kMT];
#pragma unroll
    for (int I = 0; I < kMT; ++I) {
      Dv[I] = W.Dy[(Ty + 16 * I) * kLdP + Pp];
      Xv[I] = S.X[(Tx + 16 * I) * kLdP + Pp];
    }
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kMT; ++J)
        Acc[I][J] = fmaf(Dv[I], Xv[J], Acc[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I)
#pragma unroll
    for (int J = 0; J < kMT; ++J) {
      const int T = Ty + 16 * I, Sx = Tx + 16 * J;
      W.Ab[T * kLdC + Sx] =
          Sx < T ? Acc[I][J] * expf(fminf(S.Cs[T] - S.Cs[Sx], 0.f)) : 0.f;
    }
}
// Dcs[t] = Σ_{s<t} G_ts − Σ_{t'>t} G_t't with G = Ā ∘ σ_s ∘ (q̃·k̃).
__device__ __forceinline__ void gTerms(const Chunk &S, const Bwd &W) {
  for (int T = threadIdx.x; T < kLc; T += kThreads) {
    float Row = 0.f, Col = 0.f;
    for (int Sx = 0; Sx < T; ++Sx)
      Row = fmaf(W.Ab[T * kLdC + Sx] * S.Sig[Sx], W.QK[T * kLdC + Sx], Row);
    for (int Tp = T + 1; Tp < kLc; ++Tp)
      Col = fmaf(W.Ab[Tp * kLdC + T] * S.Sig[T], W.QK[Tp * kLdC + T], Col);
    W.Dcs[T] = Row - Col;
  }
}
)";

const char kBwdOpsB[] = R"(
// dq̃_t = Σ_s Ā_ts σ_s k̃_s + e^{cs_t} S_jᵀ ȳ_t + dg_t γ_t k̃_t;
// T1[t] = e^{cs_t} q̃_t·(S_jᵀ ȳ_t).
__device__ __forceinline__ void dqPass(const Chunk &S, const Bwd &W, int Tx,
                                       int Ty) {
  float Acc[kMT][kNT] = {}, In[kMT][kNT] = {};
  for (int Sx = 0; Sx < kLc; ++Sx) {
    float Av[kMT], Kv[kNT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Av[I] = W.Ab[(Ty + 16 * I) * kLdC + Sx] * S.Sig[Sx];
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Kv[J] = S.K[Sx * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        Acc[I][J] = fmaf(Av[I], Kv[J], Acc[I][J]);
  }
  for (int Pp = 0; Pp < kP; ++Pp) {
    float Dv[kMT], Sv[kNT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Dv[I] = W.Dy[(Ty + 16 * I) * kLdP + Pp];
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Sv[J] = W.St[Pp * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        In[I][J] = fmaf(Dv[I], Sv[J], In[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int T = Ty + 16 * I;
    const float E = S.Ee[T], Dgg = W.Dg[T] * S.Gam[T];
    float Dot = 0.f;
#pragma unroll
    for (int J = 0; J < kNT; ++J) {
      const int Nn = Tx + 16 * J;
      Dot = fmaf(In[I][J], S.Q[T * kLdN + Nn], Dot);
      W.DQ[T * kLdN + Nn] =
          fmaf(Dgg, S.K[T * kLdN + Nn], fmaf(E, In[I][J], Acc[I][J]));
    }
    Dot = sum16(Dot);
    if (Tx == 0)
      W.T1[T] = E * Dot;
  }
}
// dK̂_s = Σ_t Ā_ts q̃_t + e^{cs_last−cs_s} S̄ᵀ x_s; σ̄_s = dK̂_s·k̃_s;
// dk̃_s = σ_s dK̂_s + dg_s γ_s q̃_s.
__device__ __forceinline__ void dkPass(const Chunk &S, const Bwd &W, int Tx,
                                       int Ty) {
  float Acc[kMT][kNT] = {}, In[kMT][kNT] = {};
  for (int T = 0; T < kLc; ++T) {
    float Av[kMT], Qv[kNT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Av[I] = W.Ab[T * kLdC + Ty + 16 * I];
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Qv[J] = S.Q[T * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        Acc[I][J] = fmaf(Av[I], Qv[J], Acc[I][J]);
  }
  for (int Pp = 0; Pp < kP; ++Pp) {
    float Xv[kMT], Sv[kNT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Xv[I] = S.X[(Ty + 16 * I) * kLdP + Pp];
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Sv[J] = W.Sb[Pp * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        In[I][J] = fmaf(Xv[I], Sv[J], In[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int Sx = Ty + 16 * I;
    const float We = S.We[Sx], Sg = S.Sig[Sx], Dgg = W.Dg[Sx] * S.Gam[Sx];
    float Dot = 0.f;
#pragma unroll
    for (int J = 0; J < kNT; ++J) {
      const int Nn = Tx + 16 * J;
      const float Dkh = fmaf(We, In[I][J], Acc[I][J]);
      Dot = fmaf(Dkh, S.K[Sx * kLdN + Nn], Dot);
      W.DK[Sx * kLdN + Nn] = fmaf(Sg, Dkh, Dgg * S.Q[Sx * kLdN + Nn]);
    }
    Dot = sum16(Dot);
    if (Tx == 0)
      W.SbarT[Sx] = Dot;
  }
}
)";

} // namespace

llvm::StringRef hybc::mamba3BwdOpsTextA() { return kBwdOpsA; }
llvm::StringRef hybc::mamba3BwdOpsTextB() { return kBwdOpsB; }
