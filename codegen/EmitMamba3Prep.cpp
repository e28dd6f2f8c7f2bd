//===- codegen/EmitMamba3Prep.cpp - Mamba-3 per-token pre-pass ------------===//
///
/// \file
/// The pre-pass kernel shared by the Mamba-3 forward and backward (docs
/// mamba3.md §1.3): one block of 128 threads per token (b, t) reads its w
/// row and writes, into scratch buffers,
///   Δ = softplus(dd_dt + dt_bias), a = A·Δ with A = min(−f(dd_A), −A_floor),
///   λ = sigmoid(trap)                                  (B, H, L) each,
///   B̂ = rmsnorm(B)·w_B, Ĉ = rmsnorm(C)·w_C            (B, L, G, N),
///   ω = π·tanh(θ)                                      (B, L, S),
/// and, for the backward, the 1/rms of every B and C row (B, L, 2G).
///
/// Example:
///   KernelSpec P = emitMamba3Prep(Op, Dims, Ctx, /*WithRstd=*/true);
///   // P.Name == "hybc_mamba3_bwd_prep_b2_l1024_h16_p64_n64_g1_s16_c64"
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

const char kPrepBody[] = R"(
const int Bt = blockIdx.x, B = Bt / kL, T = Bt % kL, Tid = threadIdx.x;
const int Wp = Tid >> 5, Lane = Tid & 31;
const float *Row = w + (u64)Bt * kDProj;
for (int R = Wp; R < 2 * kG; R += 4) {
  const bool IsC = R >= kG;
  const int G = IsC ? R - kG : R;
  const float *X = Row + (IsC ? kOffC : kOffB) + G * kN;
  const float *Wt = IsC ? c_norm : b_norm;
  float Sq = 0.f;
  for (int N = Lane; N < kN; N += 32)
    Sq = fmaf(X[N], X[N], Sq);
  Sq = sum32(Sq);
  const float Rs = 1.f / sqrtf(Sq / kN + kEps);
  float *Dst = (IsC ? m3_qn : m3_kn) + ((u64)Bt * kG + G) * kN;
  for (int N = Lane; N < kN; N += 32)
    Dst[N] = X[N] * Rs * Wt[N];
  storeRstd(Bt, R, Lane, Rs);
}
for (int H = Tid; H < kH; H += 128) {
  const u64 E = (u64)(B * kH + H) * kL + T;
  const float Dt = softplusF(Row[kOffDt + H] + dt_bias[H]);
  const float A = fminf(-decayAct(Row[kOffA + H]), -kAFloor);
  m3_dt[E] = Dt;
  m3_adt[E] = A * Dt;
  m3_lam[E] = sigm(Row[kOffTrap + H]);
}
for (int I = Tid; I < kS; I += 128)
  m3_omega[(u64)Bt * kS + I] = kPi * tanhf(Row[kOffAng + I]);)";

} // namespace

KernelSpec hybc::emitMamba3Prep(const ir::Op &O, const M3Dims &D,
                                const EmitContext &C, bool WithRstd) {
  KernelSpec K = makeMamba3Spec(O, D, WithRstd ? "bwd_prep" : "fwd_prep", 128);
  K.Grid[0] = static_cast<unsigned>(D.B * D.L);
  const bool Bwd = O.kind() == ir::OpKind::Mamba3Bwd;
  const unsigned First = Bwd ? 2 : 1; // operand index of dt_bias
  const int64_t BL = D.B * D.L, BHL = BL * D.H;
  K.Args = {irValueArg("w", O.operand(First - 1), false),
            irValueArg("dt_bias", O.operand(First), false),
            irValueArg("b_norm", O.operand(First + 3), false),
            irValueArg("c_norm", O.operand(First + 4), false),
            scratchArg(M3Scratch::Qn, BL * D.G * D.N, true),
            scratchArg(M3Scratch::Kn, BL * D.G * D.N, true),
            scratchArg(M3Scratch::Dt, BHL, true),
            scratchArg(M3Scratch::Adt, BHL, true),
            scratchArg(M3Scratch::Lam, BHL, true),
            scratchArg(M3Scratch::Om, BL * D.S, true)};
  if (WithRstd)
    K.Args.push_back(scratchArg(M3Scratch::Rstd, BL * 2 * D.G, true));
  std::vector<std::string> Lines = {
      "auto storeRstd = [&](int Bt, int R, int Lane, float Rs) {",
      WithRstd ? "  if (Lane == 0) m3_rstd[(u64)Bt * 2 * kG + R] = Rs;"
               : "  (void)Bt, (void)R, (void)Lane, (void)Rs;",
      "};"};
  assembleMamba3(K, O, D, C, nullptr,
                 "Mamba-3 pre-pass: per-token split, softplus dt, decay "
                 "activation and floor, trapezoid sigmoid, B/C RMSNorm, "
                 "angle tanh.",
                 Lines, {kPrepBody});
  return K;
}
