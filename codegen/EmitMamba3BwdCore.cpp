//===- codegen/EmitMamba3BwdCore.cpp - Mamba-3 core backward kernel -------===//
///
/// \file
/// `hybc_mamba3_bwd_<sig>`: one block of 256 threads per (head, batch).
///   1. Forward sweep: recompute the chunk-entry states S_j (fp32) and the
///      angle carries into scratch (m3_states, m3_phis).
///   2. Reverse sweep with S̄ in shared memory (docs mamba3.md §3.4): per
///      chunk recompute q̃/k̃, A and the pre-gate y; gate backward (dz into
///      dw, ȳ; or the gated-norm backward); dx into dw; Ā; dq̃, dK̂ → dk̃;
///      the decay gradient from per-element products; σ̄/γ̄ → Δ̄, λ̄; φ̄ with
///      its reverse cumsum → dθ per head and the Δ̄ angle term; un-rotated
///      per-head dq/dk rows; S̄ ← e^{cs_last} S̄ + Σ e^{cs_t} ȳ_t q̃_tᵀ.
///   3. Per-(b, h) partial sums of the bias, D and output-norm gradients.
/// Every global element has one writer; sums run in a fixed order.
///
/// Example:
///   KernelSpec K = emitMamba3BwdCore(BwdOp, Dims, Ctx);
///   // K.Grid = {H, B, 1}, K.Block = {256, 1, 1}, K.SharedBytes ~ 188 KB
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"

using namespace hybc;

namespace {

SmemLayout backwardLayout(const M3Dims &D) {
  SmemLayout Lay;
  addChunkRegions(Lay, D);
  const int64_t Lc = D.Lc;
  Lay.add("St", D.P * (D.N + 1));
  Lay.add("Sb", D.P * (D.N + 1));
  Lay.add("DQ", Lc * (D.N + 1));
  Lay.add("DK", Lc * (D.N + 1));
  Lay.add("Dy", Lc * (D.P + 1));
  Lay.add("QK", Lc * (Lc + 1));
  Lay.add("Ab", Lc * (Lc + 1));
  for (const char *Name : {"Dg", "Dcs", "SbarT", "T1", "T2", "Ddt", "Dlam"})
    Lay.add(Name, Lc);
  Lay.add("PbC", D.S);
  Lay.add("Red", 16);
  return Lay;
}

const char kGatePlain[] = R"(
// ȳ = dO·silu(z), dz = dO·y·silu'(z) (into dw), dg_t = ȳ_t·x_t.
auto gateBwd = [&](int C0, float (&Y)[kMT][kPT], int Tx, int Ty,
                   float (&OnAcc)[kPT]) {
  (void)OnAcc;
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int T = Ty + 16 * I, Tg = C0 + T;
    const bool Ok = Tg < kL;
    const u64 Row = (u64)B * kL + Tg;
    float Dgp = 0.f;
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Pp = Tx + 16 * J, Col = H * kP + Pp;
      const float Do = Ok ? dout[Row * kDI + Col] : 0.f;
      const float Z = Ok ? w[Row * kDProj + Col] : 0.f, Sg = sigm(Z);
      if (Ok)
        dw[Row * kDProj + Col] = Do * Y[I][J] * (Sg * (1.f + Z * (1.f - Sg)));
      const float Dy = Do * (Z * Sg);
      W.Dy[T * kLdP + Pp] = Dy;
      Dgp = fmaf(Dy, S.X[T * kLdP + Pp], Dgp);
    }
    Dgp = sum16(Dgp);
    if (Tx == 0)
      W.Dg[T] = Dgp;
  }
};)";

const char kGateNorm[] = R"(
// o = n·w_o·silu(z), n = y·r: dz, ȳ = r(dn − n·mean(dn·n)), dg_t = ȳ_t·x_t,
// and the output-norm weight partials in OnAcc.
auto gateBwd = [&](int C0, float (&Y)[kMT][kPT], int Tx, int Ty,
                   float (&OnAcc)[kPT]) {
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int T = Ty + 16 * I, Tg = C0 + T;
    const bool Ok = Tg < kL;
    const u64 Row = (u64)B * kL + Tg;
    float Ss = 0.f, Md = 0.f, Dn[kPT];
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Ss = fmaf(Y[I][J], Y[I][J], Ss);
    const float Rs = 1.f / sqrtf(sum16(Ss) / kP + kOutEps);
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Col = H * kP + Tx + 16 * J;
      const float Do = Ok ? dout[Row * kDI + Col] : 0.f;
      const float Z = Ok ? w[Row * kDProj + Col] : 0.f, Sg = sigm(Z);
      const float Nv = Y[I][J] * Rs, Wo = o_norm[Col], Si = Z * Sg;
      Dn[J] = Do * Wo * Si;
      Md = fmaf(Dn[J], Nv, Md);
      OnAcc[J] = fmaf(Do * Nv, Si, OnAcc[J]);
      if (Ok)
        dw[Row * kDProj + Col] = Do * Nv * Wo * (Sg * (1.f + Z * (1.f - Sg)));
    }
    Md = sum16(Md) / kP;
    float Dgp = 0.f;
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Pp = Tx + 16 * J;
      const float Dy = Rs * (Dn[J] - Y[I][J] * Rs * Md);
      W.Dy[T * kLdP + Pp] = Dy;
      Dgp = fmaf(Dy, S.X[T * kLdP + Pp], Dgp);
    }
    Dgp = sum16(Dgp);
    if (Tx == 0)
      W.Dg[T] = Dgp;
  }
};)";

const char kSetup[] = R"(
extern __shared__ float hybcDynSmem[];
float *Sm = hybcDynSmem;
const Chunk S = chunkOf(Sm);
const Bwd W = bwdOf(Sm);
const int Tid = threadIdx.x, Tx = Tid & 15, Ty = Tid >> 4;)";

const char kBody[] = R"(
const Src In{w, m3_qn, m3_kn, m3_dt, m3_adt, m3_lam, m3_omega, b_bias, c_bias};
const u64 BhC = (u64)(B * kH + H) * kNC;
for (int I = Tid; I < kP * kLdN; I += kThreads)
  W.St[I] = W.Sb[I] = 0.f;
for (int A = Tid; A < kS; A += kThreads)
  S.Phi[A] = W.PbC[A] = 0.f;
__syncthreads();
for (int J = 0; J < kNC; ++J) { // forward sweep: S_j and angle carries
  for (int I = Tid; I < kP * kN; I += kThreads)
    m3_states[(BhC + J) * (kP * kN) + I] = W.St[(I / kN) * kLdN + I % kN];
  for (int A = Tid; A < kS; A += kThreads)
    m3_phis[(BhC + J) * kS + A] = S.Phi[A];
  loadChunk(In, B, H, J * kLc, S);
  stateUpdate(S, W.St, Tx, Ty);
  __syncthreads();
}
float AccQ = 0.f, AccK = 0.f, AccD = 0.f, OnAcc[kPT] = {};
const TokOut Tok{m3_gdt, m3_glam, m3_gadt, m3_dth};
for (int J = kNC - 1; J >= 0; --J) { // reverse sweep
  const int C0 = J * kLc;
  for (int I = Tid; I < kP * kN; I += kThreads)
    W.St[(I / kN) * kLdN + I % kN] = m3_states[(BhC + J) * (kP * kN) + I];
  for (int A = Tid; A < kS; A += kThreads)
    S.Phi[A] = m3_phis[(BhC + J) * kS + A];
  loadChunk(In, B, H, C0, S);
  kappaOf(S, W);
  chunkMatrix(S, W.Ab, W.QK, Dh, Tx, Ty);
  __syncthreads();
  {
    float Y[kMT][kPT];
    chunkOutput(S, W.St, W.Ab, Tx, Ty, Y);
    gateBwd(C0, Y, Tx, Ty, OnAcc);
  }
  __syncthreads();
  dxPass(S, W, dw, B, H, C0, Tx, Ty);
  __syncthreads();
  abarPass(S, W, Tx, Ty);
  __syncthreads();
  gTerms(S, W);
  dqPass(S, W, Tx, Ty);
  dkPass(S, W, Tx, Ty);
  __syncthreads();
  scalarPass(S, W);
  __syncthreads();
  scanGrads(S, W);
  __syncthreads();
  writeTokens(S, W, Tok, B, H, C0);
  unrotate(S, W);
  if (Tid == 0)
    for (int T = 0; T < kLc; ++T)
      AccD += W.Dg[T];
  __syncthreads();
  writeHeadRows(W, m3_dqh, m3_dkh, B, H, C0, AccQ, AccK);
  sbarUpdate(S, W, Tx, Ty);
  __syncthreads();
}
if (Tid < kN) {
  m3_pbc[(u64)(B * kH + H) * kN + Tid] = AccQ;
  m3_pbb[(u64)(B * kH + H) * kN + Tid] = AccK;
}
(void)AccD;)";

const char kTailD[] = R"(
if (Tid == 0)
  m3_pd[B * kH + H] = AccD;)";

const char kTailOn[] = R"(
#pragma unroll
for (int J = 0; J < kPT; ++J)
  W.Dy[Ty * kLdP + Tx + 16 * J] = OnAcc[J];
__syncthreads();
for (int Pp = Tid; Pp < kP; Pp += kThreads) {
  float Sum = 0.f;
  for (int R = 0; R < 16; ++R)
    Sum += W.Dy[R * kLdP + Pp];
  m3_pon[(u64)B * kDI + H * kP + Pp] = Sum;
})";

std::vector<KernelArg> coreArgs(const ir::Op &O, const M3Dims &D) {
  const int64_t BL = D.B * D.L, BH = D.B * D.H, BHL = BL * D.H;
  std::vector<KernelArg> A = {irValueArg("dout", O.operand(0), false),
                              irValueArg("w", O.operand(1), false),
                              irValueArg("b_bias", O.operand(3), false),
                              irValueArg("c_bias", O.operand(4), false)};
  unsigned Next = 7;
  if (D.HasD)
    A.push_back(irValueArg("d_skip", O.operand(Next++), false));
  if (D.HasOutNorm)
    A.push_back(irValueArg("o_norm", O.operand(Next++), false));
  for (auto [Name, N] :
       {std::pair<const char *, int64_t>{M3Scratch::Qn, BL * D.G * D.N},
        {M3Scratch::Kn, BL * D.G * D.N},
        {M3Scratch::Dt, BHL},
        {M3Scratch::Adt, BHL},
        {M3Scratch::Lam, BHL},
        {M3Scratch::Om, BL * D.S}})
    A.push_back(scratchArg(Name, N, false));
  A.push_back(irValueArg("dw", O.result(0), true));
  const int64_t NC = D.numChunks();
  for (auto [Name, N] : {std::pair<const char *, int64_t>{M3Scratch::States,
                                                          BH * NC * D.P * D.N},
                         {M3Scratch::Phis, BH * NC * D.S},
                         {M3Scratch::Dqh, BHL * D.N},
                         {M3Scratch::Dkh, BHL * D.N},
                         {M3Scratch::Dth, BHL * D.S},
                         {M3Scratch::GDt, BHL},
                         {M3Scratch::GLam, BHL},
                         {M3Scratch::GAdt, BHL},
                         {M3Scratch::PBb, BH * D.N},
                         {M3Scratch::PBc, BH * D.N}})
    A.push_back(scratchArg(Name, N, true));
  if (D.HasD)
    A.push_back(scratchArg(M3Scratch::PD, BH, true));
  if (D.HasOutNorm)
    A.push_back(scratchArg(M3Scratch::POn, D.B * D.DI(), true));
  return A;
}

} // namespace

int64_t hybc::mamba3BwdSmemFloats(const M3Dims &D) {
  return backwardLayout(D).totalFloats();
}

KernelSpec hybc::emitMamba3BwdCore(const ir::Op &O, const M3Dims &D,
                                   const EmitContext &C) {
  SmemLayout Lay = backwardLayout(D);
  KernelSpec K = makeMamba3Spec(O, D, "bwd", 256);
  K.Grid[0] = static_cast<unsigned>(D.H);
  K.Grid[1] = static_cast<unsigned>(D.B);
  K.SharedBytes = static_cast<unsigned>(Lay.totalFloats() * 4);
  K.Args = coreArgs(O, D);
  std::vector<std::string> Lines = {"const int H = blockIdx.x, B = blockIdx.y;",
                                    D.HasD ? "const float Dh = d_skip[H];"
                                           : "const float Dh = 0.f;"};
  std::vector<const char *> Text = {
      kSetup, D.HasOutNorm ? kGateNorm : kGatePlain, kBody};
  if (D.HasD)
    Text.push_back(kTailD);
  if (D.HasOutNorm)
    Text.push_back(kTailOn);
  assembleMamba3(
      K, O, D, C, &Lay,
      "Mamba-3 SISO chunked backward core (docs mamba3.md §3.4): "
      "one block per (head, batch); forward sweep stores the "
      "chunk states, reverse sweep carries dL/dS in shared memory.",
      Lines, Text,
      {mamba3BwdOpsTextA(), mamba3BwdOpsTextB(), mamba3BwdOpsTextC()});
  return K;
}
