//===- codegen/EmitMamba3DeviceOps.cpp - Mamba-3 chunk matmul device code -===//
///
/// \file
/// The three per-chunk matmuls of the chunked Mamba-3 forward (docs
/// mamba3.md §3.2), used by the forward kernel and by the backward kernel's
/// recompute: the masked decay matrix A (plus the raw q̃·k̃ products), the
/// chunk output Y = A X + diag(e^cs) Q̃ Stᵀ and the state update. 256
/// threads tile every output as rows Ty + 16i, columns Tx + 16j (Tx = tid &
/// 15, Ty = tid >> 4). Plain FP32 FFMA; each triple loop is an mma.sync /
/// wgmma site (64×64×64 tiles fit one warpgroup).
/// Example: `emitVerbatim(W, mamba3CoreOpsText())` inside namespace hybc_m3.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

const char kCoreOps[] = R"(
static constexpr int kMT = kLc / 16, kPT = kP / 16, kNT = kN / 16;
// Am[t][s] = e^{cs_t - cs_s} σ_s (q̃_t·k̃_s) for s < t, γ_t (q̃_t·k̃_t) + D on
// the diagonal, 0 above; QK (optional) keeps the raw dot products.
__device__ __forceinline__ void chunkMatrix(const Chunk &S, float *Am,
                                            float *QK, float Dh, int Tx,
                                            int Ty) {
  float Acc[kMT][kMT] = {};
  for (int Nn = 0; Nn < kN; ++Nn) {
    float Qv[kMT], Kv[kMT];
#pragma unroll
    for (int I = 0; I < kMT; ++I) {
      Qv[I] = S.Q[(Ty + 16 * I) * kLdN + Nn];
      Kv[I] = S.K[(Tx + 16 * I) * kLdN + Nn];
    }
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kMT; ++J)
        Acc[I][J] = fmaf(Qv[I], Kv[J], Acc[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I)
#pragma unroll
    for (int J = 0; J < kMT; ++J) {
      const int T = Ty + 16 * I, Sx = Tx + 16 * J;
      float A = 0.f;
      if (Sx < T)
        A = Acc[I][J] * expf(fminf(S.Cs[T] - S.Cs[Sx], 0.f)) * S.Sig[Sx];
      else if (Sx == T)
        A = S.Gam[T] * Acc[I][J] + Dh;
      Am[T * kLdC + Sx] = A;
      if (QK)
        QK[T * kLdC + Sx] = Acc[I][J];
    }
}
// Y[t][p] = Σ_s Am[t][s] x_s[p] + e^{cs_t} Σ_n St[p][n] q̃_t[n] for rows
// t = Ty + 16i and columns p = Tx + 16j.
__device__ __forceinline__ void chunkOutput(const Chunk &S, const float *St,
                                            const float *Am, int Tx, int Ty,
                                            float (&Y)[kMT][kPT]) {
  float R[kMT][kPT] = {};
#pragma unroll
  for (int I = 0; I < kMT; ++I)
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Y[I][J] = 0.f;
  for (int Sx = 0; Sx < kLc; ++Sx) {
    float Av[kMT], Xv[kPT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Av[I] = Am[(Ty + 16 * I) * kLdC + Sx];
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Xv[J] = S.X[Sx * kLdP + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kPT; ++J)
        Y[I][J] = fmaf(Av[I], Xv[J], Y[I][J]);
  }
  for (int Nn = 0; Nn < kN; ++Nn) {
    float Qv[kMT], Sv[kPT];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
      Qv[I] = S.Q[(Ty + 16 * I) * kLdN + Nn];
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Sv[J] = St[(Tx + 16 * J) * kLdN + Nn];
#pragma unroll
    for (int I = 0; I < kMT; ++I)
#pragma unroll
      for (int J = 0; J < kPT; ++J)
        R[I][J] = fmaf(Qv[I], Sv[J], R[I][J]);
  }
#pragma unroll
  for (int I = 0; I < kMT; ++I)
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Y[I][J] = fmaf(S.Ee[Ty + 16 * I], R[I][J], Y[I][J]);
}
// St = e^{cs_last} St + Σ_s e^{cs_last - cs_s} σ_s x_s k̃_sᵀ.
__device__ __forceinline__ void stateUpdate(const Chunk &S, float *St, int Tx,
                                            int Ty) {
  float U[kPT][kNT] = {};
  for (int Sx = 0; Sx < kLc; ++Sx) {
    const float Wt = S.We[Sx] * S.Sig[Sx];
    float Xv[kPT], Kv[kNT];
#pragma unroll
    for (int I = 0; I < kPT; ++I)
      Xv[I] = S.X[Sx * kLdP + Ty + 16 * I] * Wt;
#pragma unroll
    for (int J = 0; J < kNT; ++J)
      Kv[J] = S.K[Sx * kLdN + Tx + 16 * J];
#pragma unroll
    for (int I = 0; I < kPT; ++I)
#pragma unroll
      for (int J = 0; J < kNT; ++J)
        U[I][J] = fmaf(Xv[I], Kv[J], U[I][J]);
  }
  const float El = expf(S.Cs[kLc - 1]);
#pragma unroll
  for (int I = 0; I < kPT; ++I)
#pragma unroll
    for (int J = 0; J < kNT; ++J) {
      float &V = St[(Ty + 16 * I) * kLdN + Tx + 16 * J];
      V = fmaf(El, V, U[I][J]);
    }
}
)";

} // namespace

llvm::StringRef hybc::mamba3CoreOpsText() { return kCoreOps; }
