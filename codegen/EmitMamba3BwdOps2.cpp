//===- codegen/EmitMamba3BwdOps2.cpp - Mamba-3 backward device code, 2 ----===//
///
/// \file
/// The per-token tail of one backward chunk (docs mamba3.md §3.4 steps
/// 1-4): the decay gradient (reverse cumsum of Dcs), Δ̄/λ̄ from σ̄ and γ̄
/// (one-token shift; the shift into the next chunk is applied to the
/// already written global value), the angle gradient φ̄ with its reverse
/// cumsum carried across chunks, dθ per head, un-rotation of dq̃/dk̃, the
/// per-head dq/dk rows, and the S̄ update.
/// Example: `emitVerbatim(W, mamba3BwdOpsTextC())` inside namespace hybc_m3.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

const char kBwdOpsC[] = R"(
// Final Dcs, Δ̄ and λ̄ of the chunk's own terms, φ̄ into S.Ang.
__device__ __forceinline__ void scalarPass(const Chunk &S, const Bwd &W) {
  for (int T = threadIdx.x; T < kLc; T += kThreads) {
    float D = W.Dcs[T] + W.T1[T] - W.T2[T];
    if (T == kLc - 1) {
      D += W.Red[8];
      for (int Sx = 0; Sx < kLc; ++Sx)
        D += W.T2[Sx];
    }
    W.Dcs[T] = D;
    const float G = fmaf(W.Dg[T], W.QK[T * kLdC + T], W.SbarT[T]);
    const float Prev = T > 0 ? W.SbarT[T - 1] : 0.f;
    W.Ddt[T] = G * S.Lam[T] + Prev * (1.f - S.Lam[T]);
    W.Dlam[T] = (G - Prev) * S.Dt[T];
  }
  for (int I = threadIdx.x; I < kLc * kS; I += kThreads) {
    const int A = I / kLc, T = I % kLc, J0 = T * kLdN + 2 * A, J1 = J0 + 1;
    S.Ang[I] = W.DQ[J1] * S.Q[J0] - W.DQ[J0] * S.Q[J1] + W.DK[J1] * S.K[J0] -
               W.DK[J0] * S.K[J1];
  }
}
// Reverse cumsums: Dcs -> d(ADT); φ̄ -> Φ̄ plus the carry of later chunks.
__device__ __forceinline__ void scanGrads(const Chunk &S, const Bwd &W) {
  const int Wp = threadIdx.x >> 5, Lane = threadIdx.x & 31;
  if (Wp == 0)
    warpScan(W.Dcs, true);
  for (int A = Wp; A < kS; A += kThreads / 32) {
    float *Row = S.Ang + A * kLc;
    warpScan(Row, true);
    const float Carry = W.PbC[A];
    for (int T = Lane; T < kLc; T += 32)
      Row[T] += Carry;
    __syncwarp();
    if (Lane == 0)
      W.PbC[A] = Row[0];
    __syncwarp();
  }
}
struct TokOut {
  float *Ddt, *Dlam, *Dadt, *Dth;
};
// Per-token global results; the σ̄ shift into the first token of the next
// chunk is added to its already written values.
__device__ __forceinline__ void writeTokens(const Chunk &S, const Bwd &W,
                                           const TokOut &O, int B, int H,
                                           int C0) {
  const u64 Bh = (u64)(B * kH + H) * kL;
  for (int T = threadIdx.x; T < kLc; T += kThreads) {
    const int Tg = C0 + T;
    if (Tg >= kL)
      continue;
    float Ang = 0.f;
    for (int A = 0; A < kS; ++A) {
      const float Pb = S.Ang[A * kLc + T], Om = S.Om[T * kS + A];
      const float Th = Om / kPi;
      Ang = fmaf(Pb, Om, Ang);
      O.Dth[(Bh + Tg) * kS + A] = Pb * S.Dt[T] * kPi * (1.f - Th * Th);
    }
    O.Ddt[Bh + Tg] = W.Ddt[T] + Ang;
    O.Dlam[Bh + Tg] = W.Dlam[T];
    O.Dadt[Bh + Tg] = W.Dcs[T];
  }
  if (threadIdx.x == 0 && C0 + kLc < kL) {
    const u64 E = Bh + C0 + kLc;
    O.Ddt[E] += W.SbarT[kLc - 1] * (1.f - S.Lam[kLc]);
    O.Dlam[E] -= W.SbarT[kLc - 1] * S.Dt[kLc];
  }
}
// dq̃, dk̃ -> dq, dk (rotation by −φ), in place.
__device__ __forceinline__ void unrotate(const Chunk &S, const Bwd &W) {
  for (int I = threadIdx.x; I < kLc * kS; I += kThreads) {
    const int T = I / kS, A = I % kS, J0 = T * kLdN + 2 * A;
    const float C = S.Cos[I], Sn = S.Sin[I];
    float U = W.DQ[J0], V = W.DQ[J0 + 1];
    W.DQ[J0] = U * C + V * Sn;
    W.DQ[J0 + 1] = V * C - U * Sn;
    U = W.DK[J0], V = W.DK[J0 + 1];
    W.DK[J0] = U * C + V * Sn;
    W.DK[J0 + 1] = V * C - U * Sn;
  }
}
// Per-head dq, dk rows (B,H,L,N) and the bias partial sums of this thread.
__device__ __forceinline__ void writeHeadRows(const Bwd &W, float *Dqh,
                                              float *Dkh, int B, int H,
                                              int C0, float &AccQ,
                                              float &AccK) {
  const u64 Bh = (u64)(B * kH + H) * kL;
  for (int I = threadIdx.x; I < kLc * kN; I += kThreads) {
    const int T = I / kN, Nn = I % kN;
    if (C0 + T < kL) {
      Dqh[(Bh + C0 + T) * kN + Nn] = W.DQ[T * kLdN + Nn];
      Dkh[(Bh + C0 + T) * kN + Nn] = W.DK[T * kLdN + Nn];
    }
  }
  if (threadIdx.x < kN)
    for (int T = 0; T < kLc; ++T) {
      AccQ += W.DQ[T * kLdN + threadIdx.x];
      AccK += W.DK[T * kLdN + threadIdx.x];
    }
}
// S̄ ← e^{cs_last} S̄ + Σ_t e^{cs_t} ȳ_t q̃_tᵀ.
__device__ __forceinline__ void sbarUpdate(const Chunk &S, const Bwd &W,
                                           int Tx, int Ty) {
  float U[kPT][kNT] = {};
  for (int T = 0; T < kLc; ++T) {
    float Dv[kPT], Qv[kNT];
#pragma unroll
    for (int I = 0; I < kPT; ++I)
      Dv[I] = W.Dy[T * kLdP + Ty + 16 * I] * S.Ee[T];
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Qv[J] = S.Q[T * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kPT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        U[I][J] = fmaf(Dv[I], Qv[J], U[I][J]);
  }
  const float El = expf(S.Cs[kLc - 1]);
#pragma unroll
  for (int I = 0; I < kPT; ++I)
#pragma unroll
    for (int J = 0; J < kNT; ++J) {
      float &V = W.Sb[(Ty + 16 * I) * kLdN + Tx + 16 * J];
      V = fmaf(El, V, U[I][J]);
    }
}
)";

} // namespace

llvm::StringRef hybc::mamba3BwdOpsTextC() { return kBwdOpsC; }
