//===- codegen/EmitMamba3Device.cpp - Shared Mamba-3 device code ----------===//
///
/// \file
/// The constant block and the device helpers shared by every Mamba-3
/// kernel: activations, one-warp chunk scans and the chunk loader that
/// builds, in shared memory, the chunk-local cumulative log-decay cs, σ, γ,
/// the wrapped cumulative angles (carried across chunks), their cos/sin and
/// the rotated q̃ = R(φ)(Ĉ + bC), k̃ = R(φ)(B̂ + bB) (docs mamba3.md §1.3,
/// §3.2). The chunk matmuls live in EmitMamba3DeviceOps.cpp. Example:
/// `writeMamba3Prologue(W, D, &Lay)`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

const char kHelpers[] = R"(
[[maybe_unused]] static constexpr int kThreads = 256;
[[maybe_unused]] static constexpr int kLdN = kN + 1, kLdP = kP + 1;
[[maybe_unused]] static constexpr int kLdC = kLc + 1;
[[maybe_unused]] static constexpr int kPerLane = (kLc + 31) / 32;
[[maybe_unused]] static constexpr float kPi = 3.14159265358979f;
[[maybe_unused]] static constexpr float kTwoPi = 6.28318530717959f;
static constexpr unsigned kFull = 0xffffffffu;
typedef unsigned long long u64;
__device__ __forceinline__ float sigm(float X) {
  return 1.f / (1.f + expf(-X));
}
__device__ __forceinline__ float softplusF(float X) {
  return X > 20.f ? X : log1pf(expf(X));
}
__device__ __forceinline__ float softplusGradF(float X) {
  return X > 20.f ? 1.f : sigm(X);
}
__device__ __forceinline__ float decayAct(float X) {
  if (kHeavy)
    return X >= 0.f ? 1.f + X : 1.f / (1.f - X);
  return softplusF(X);
}
__device__ __forceinline__ float decayActGrad(float X) {
  if (kHeavy)
    return X >= 0.f ? 1.f : 1.f / ((1.f - X) * (1.f - X));
  return softplusGradF(X);
}
__device__ __forceinline__ float wrap2pi(float X) {
  return X - kTwoPi * floorf(X / kTwoPi);
}
// Sum over the 16 lanes that share a row (tid >> 4).
__device__ __forceinline__ float sum16(float V) {
#pragma unroll
  for (int O = 8; O > 0; O >>= 1)
    V += __shfl_xor_sync(kFull, V, O);
  return V;
}
__device__ __forceinline__ float sum32(float V) {
#pragma unroll
  for (int O = 16; O > 0; O >>= 1)
    V += __shfl_xor_sync(kFull, V, O);
  return V;
}
)";

/// Scans and the chunk buffer view (only kernels with a layout).
const char kScan[] = R"(
// In-place inclusive prefix sum of A[0, kLc) (suffix sum when Reverse),
// executed by all 32 lanes of one warp.
__device__ __forceinline__ void warpScan(float *A, bool Reverse) {
  const int Lane = threadIdx.x & 31;
  float V[kPerLane];
  float Run = 0.f;
#pragma unroll
  for (int K = 0; K < kPerLane; ++K) {
    int I = Lane * kPerLane + K, J = Reverse ? kLc - 1 - I : I;
    Run += I < kLc ? A[J] : 0.f;
    V[K] = Run;
  }
  float Tot = Run;
#pragma unroll
  for (int O = 1; O < 32; O <<= 1) {
    float Y = __shfl_up_sync(kFull, Tot, O);
    if (Lane >= O)
      Tot += Y;
  }
  float Excl = __shfl_up_sync(kFull, Tot, 1);
  if (Lane == 0)
    Excl = 0.f;
  __syncwarp();
#pragma unroll
  for (int K = 0; K < kPerLane; ++K) {
    int I = Lane * kPerLane + K, J = Reverse ? kLc - 1 - I : I;
    if (I < kLc)
      A[J] = V[K] + Excl;
  }
  __syncwarp();
}
struct Chunk {
  float *Q, *K, *X, *Cs, *Sig, *Gam, *Ee, *We, *Dt, *Lam, *Ang, *Cos, *Sin,
      *Om, *Phi;
};
__device__ __forceinline__ Chunk chunkOf(float *Sm) {
  return Chunk{Sm + kSmQ,   Sm + kSmK,   Sm + kSmX,   Sm + kSmCs,
               Sm + kSmSig, Sm + kSmGam, Sm + kSmEe,  Sm + kSmWe,
               Sm + kSmDt,  Sm + kSmLam, Sm + kSmAng, Sm + kSmCos,
               Sm + kSmSin, Sm + kSmOm,  Sm + kSmPhi};
}
)";

/// Chunk loader, part 1: per-token scalars, x, ω and the angle increments.
const char kLoaderA[] = R"(
struct Src {
  const float *W, *Qn, *Kn, *Dt, *Adt, *Lam, *Om, *BBias, *CBias;
};
__device__ __forceinline__ void loadScalars(const Src &In, int B, int H,
                                            int C0, const Chunk &S) {
  const int Tid = threadIdx.x;
  const u64 Bh = (u64)(B * kH + H) * kL;
  for (int T = Tid; T <= kLc; T += kThreads) {
    int Tg = C0 + T;
    bool Ok = Tg < kL;
    S.Dt[T] = Ok ? In.Dt[Bh + Tg] : 0.f;
    S.Lam[T] = Ok ? In.Lam[Bh + Tg] : 0.f;
    if (T < kLc)
      S.Cs[T] = Ok ? In.Adt[Bh + Tg] : 0.f;
  }
  for (int I = Tid; I < kLc * kP; I += kThreads) {
    int T = I / kP, Pp = I % kP, Tg = C0 + T;
    S.X[T * kLdP + Pp] =
        Tg < kL ? In.W[(u64)(B * kL + Tg) * kDProj + kOffX + H * kP + Pp]
                : 0.f;
  }
  for (int I = Tid; I < kLc * kS; I += kThreads) {
    int T = I / kS, Tg = C0 + T;
    S.Om[I] = Tg < kL ? In.Om[(u64)(B * kL + Tg) * kS + I % kS] : 0.f;
  }
  __syncthreads();
  for (int I = Tid; I < kLc * kS; I += kThreads) {
    int A = I / kLc, T = I % kLc;
    S.Ang[I] = S.Dt[T] * S.Om[T * kS + A];
  }
  __syncthreads();
}
)";

/// Chunk loader, part 2: scans, σ/γ, decays, cos/sin and rotated q, k.
const char kLoaderB[] = R"(
__device__ __forceinline__ void scanChunk(int C0, const Chunk &S) {
  const int Tid = threadIdx.x, Wp = Tid >> 5, Lane = Tid & 31;
  if (Wp == 0)
    warpScan(S.Cs, false);
  for (int A = Wp; A < kS; A += kThreads / 32) {
    float *Row = S.Ang + A * kLc;
    warpScan(Row, false);
    const float Carry = S.Phi[A];
    for (int T = Lane; T < kLc; T += 32)
      Row[T] = wrap2pi(Carry + Row[T]);
    __syncwarp();
    if (Lane == 0)
      S.Phi[A] = Row[min(kLc, kL - C0) - 1];
    __syncwarp();
  }
  __syncthreads();
  for (int T = Tid; T < kLc; T += kThreads) {
    float Ga = S.Lam[T] * S.Dt[T];
    S.Gam[T] = Ga;
    S.Sig[T] = Ga + (1.f - S.Lam[T + 1]) * S.Dt[T + 1];
    S.Ee[T] = expf(S.Cs[T]);
    S.We[T] = expf(S.Cs[kLc - 1] - S.Cs[T]);
  }
  for (int I = Tid; I < kLc * kS; I += kThreads) {
    int T = I / kS, A = I % kS;
    sincosf(S.Ang[A * kLc + T], &S.Sin[I], &S.Cos[I]);
  }
  __syncthreads();
}
__device__ __forceinline__ void rotateChunk(const Src &In, int B, int H,
                                            int C0, const Chunk &S) {
  for (int I = threadIdx.x; I < kLc * (kN / 2); I += kThreads) {
    int T = I / (kN / 2), Pr = I % (kN / 2), N0 = 2 * Pr, Tg = C0 + T;
    float Q0 = 0.f, Q1 = 0.f, K0 = 0.f, K1 = 0.f;
    if (Tg < kL) {
      u64 R = ((u64)(B * kL + Tg) * kG + H / kHpg) * kN + N0;
      Q0 = In.Qn[R] + In.CBias[H * kN + N0];
      Q1 = In.Qn[R + 1] + In.CBias[H * kN + N0 + 1];
      K0 = In.Kn[R] + In.BBias[H * kN + N0];
      K1 = In.Kn[R + 1] + In.BBias[H * kN + N0 + 1];
      if (Pr < kS) {
        float C = S.Cos[T * kS + Pr], Sn = S.Sin[T * kS + Pr], A = Q0, Bk = K0;
        Q0 = A * C - Q1 * Sn;
        Q1 = A * Sn + Q1 * C;
        K0 = Bk * C - K1 * Sn;
        K1 = Bk * Sn + K1 * C;
      }
    }
    S.Q[T * kLdN + N0] = Q0;
    S.Q[T * kLdN + N0 + 1] = Q1;
    S.K[T * kLdN + N0] = K0;
    S.K[T * kLdN + N0 + 1] = K1;
  }
  __syncthreads();
}
// Everything one chunk [C0, C0 + kLc) needs; S.Phi carries the angles.
__device__ __forceinline__ void loadChunk(const Src &In, int B, int H, int C0,
                                          const Chunk &S) {
  loadScalars(In, B, H, C0, S);
  scanChunk(C0, S);
  rotateChunk(In, B, H, C0, S);
}
)";

/// `static constexpr` shapes, options and offsets of the w split.
void writeShapeConstants(SourceWriter &W, const M3Dims &D) {
  const int64_t OffB = 2 * D.DI(), OffDt = OffB + 2 * D.G * D.N;
  const std::pair<const char *, int64_t> Ints[] = {
      {"kB", D.B},
      {"kL", D.L},
      {"kH", D.H},
      {"kP", D.P},
      {"kN", D.N},
      {"kG", D.G},
      {"kS", D.S},
      {"kLc", D.Lc},
      {"kNC", D.numChunks()},
      {"kHpg", D.H / D.G},
      {"kDI", D.DI()},
      {"kDProj", D.DProj()},
      {"kOffX", D.DI()},
      {"kOffB", OffB},
      {"kOffC", OffB + D.G * D.N},
      {"kOffDt", OffDt},
      {"kOffA", OffDt + D.H},
      {"kOffTrap", OffDt + 2 * D.H},
      {"kOffAng", OffDt + 3 * D.H},
      {"kHeavy", D.Heavy},
      {"kHasD", D.HasD},
      {"kHasOutNorm", D.HasOutNorm}};
  for (const auto &I : Ints)
    constInt(W, I.first, I.second);
  constFloat(W, "kAFloor", D.AFloor);
  constFloat(W, "kEps", D.Eps);
  constFloat(W, "kOutEps", 1e-5);
}

} // namespace

void hybc::writeMamba3Prologue(SourceWriter &W, const M3Dims &D,
                               const SmemLayout *Lay,
                               llvm::ArrayRef<llvm::StringRef> Extra) {
  W.open("namespace hybc_m3");
  writeShapeConstants(W, D);
  if (Lay)
    Lay->write(W);
  emitVerbatim(W, kHelpers);
  if (Lay) {
    emitVerbatim(W, kScan);
    emitVerbatim(W, kLoaderA);
    emitVerbatim(W, kLoaderB);
    emitVerbatim(W, mamba3CoreOpsText());
  }
  for (llvm::StringRef T : Extra)
    emitVerbatim(W, T);
  W.close("  // namespace hybc_m3");
}
