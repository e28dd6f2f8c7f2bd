//===- codegen/EmitMamba3.cpp - Mamba-3 SISO layer forward ----------------===//
///
/// \file
/// Emits the forward of `mamba3` (docs mamba3.md §1, §3.2, schedule (A)) as
/// two kernels:
///   1. `hybc_mamba3_fwd_prep_<sig>` (EmitMamba3Prep.cpp): per-token pre-pass
///      into scratch buffers.
///   2. `hybc_mamba3_fwd_<sig>`: one block of 256 threads per (head, batch)
///      walking the chunks in order with the P×N state S in shared memory
///      (fp32). Per chunk: rotated q̃/k̃ (cumulative angles carried across
///      chunks), the masked decay matrix A, Y = A X + diag(e^cs) Q̃ Sᵀ, the
///      gate o = y·silu(z) (or the per-head gated RMSNorm), then
///      S ← e^{cs_last} S + Σ_s e^{cs_last−cs_s} σ_s x_s k̃_sᵀ.
/// The state needs > 48 KiB of dynamic shared memory at the PG shapes
/// (the runtime opts in with cuFuncSetAttribute).
///
/// Example:
///   auto Ks = emitMamba3Forward(*M3Op, Ctx);
///   // {"hybc_mamba3_fwd_prep_b2_l1024_h16_p64_n64_g1_s16_c64_d",
///   //  "hybc_mamba3_fwd_b2_l1024_h16_p64_n64_g1_s16_c64_d"}
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"
#include "codegen/Emitters.h"

using namespace hybc;

namespace {

/// Shared-memory layout of the forward kernel.
SmemLayout forwardLayout(const M3Dims &D) {
  SmemLayout Lay;
  addChunkRegions(Lay, D);
  Lay.add("St", D.P * (D.N + 1));
  Lay.add("Am", D.Lc * (D.Lc + 1));
  return Lay;
}

const char kGatePlain[] = R"(
// o = y * silu(z) for the rows of this thread.
auto gateRows = [&](int C0, float (&Y)[kMT][kPT], int Tx, int Ty) {
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int Tg = C0 + Ty + 16 * I;
    if (Tg >= kL)
      continue;
    const u64 Row = (u64)B * kL + Tg;
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Pp = H * kP + Tx + 16 * J;
      const float Z = w[Row * kDProj + Pp];
      out[Row * kDI + Pp] = Y[I][J] * (Z * sigm(Z));
    }
  }
};)";

const char kGateNorm[] = R"(
// o = y / rms_P(y) * w_o * silu(z) for the rows of this thread.
auto gateRows = [&](int C0, float (&Y)[kMT][kPT], int Tx, int Ty) {
#pragma unroll
  for (int I = 0; I < kMT; ++I) {
    const int Tg = C0 + Ty + 16 * I;
    float Ss = 0.f;
#pragma unroll
    for (int J = 0; J < kPT; ++J)
      Ss = fmaf(Y[I][J], Y[I][J], Ss);
    const float Rs = 1.f / sqrtf(sum16(Ss) / kP + kOutEps);
    if (Tg >= kL)
      continue;
    const u64 Row = (u64)B * kL + Tg;
#pragma unroll
    for (int J = 0; J < kPT; ++J) {
      const int Pp = H * kP + Tx + 16 * J;
      const float Z = w[Row * kDProj + Pp];
      out[Row * kDI + Pp] = Y[I][J] * Rs * o_norm[Pp] * (Z * sigm(Z));
    }
  }
};)";

const char kFwdBody[] = R"(
extern __shared__ float hybcDynSmem[];
float *Sm = hybcDynSmem;
const Chunk S = chunkOf(Sm);
float *St = Sm + kSmSt, *Am = Sm + kSmAm;
const int Tid = threadIdx.x, Tx = Tid & 15, Ty = Tid >> 4;
const Src In{w, m3_qn, m3_kn, m3_dt, m3_adt, m3_lam, m3_omega, b_bias, c_bias};
for (int I = Tid; I < kP * kLdN; I += kThreads)
  St[I] = 0.f;
for (int A = Tid; A < kS; A += kThreads)
  S.Phi[A] = 0.f;
__syncthreads();
for (int C0 = 0; C0 < kL; C0 += kLc) {
  loadChunk(In, B, H, C0, S);
  chunkMatrix(S, Am, nullptr, Dh, Tx, Ty);
  __syncthreads();
  float Y[kMT][kPT];
  chunkOutput(S, St, Am, Tx, Ty, Y);
  gateRows(C0, Y, Tx, Ty);
  __syncthreads();
  stateUpdate(S, St, Tx, Ty);
  __syncthreads();
})";

/// Buffers of the forward core kernel, in ABI order.
std::vector<KernelArg> forwardArgs(const ir::Op &O, const M3Dims &D) {
  const int64_t BL = D.B * D.L, BHL = BL * D.H;
  std::vector<KernelArg> A = {irValueArg("w", O.operand(0), false),
                              irValueArg("b_bias", O.operand(2), false),
                              irValueArg("c_bias", O.operand(3), false)};
  unsigned Next = 6;
  if (D.HasD)
    A.push_back(irValueArg("d_skip", O.operand(Next++), false));
  if (D.HasOutNorm)
    A.push_back(irValueArg("o_norm", O.operand(Next++), false));
  A.push_back(scratchArg(M3Scratch::Qn, BL * D.G * D.N, false));
  A.push_back(scratchArg(M3Scratch::Kn, BL * D.G * D.N, false));
  A.push_back(scratchArg(M3Scratch::Dt, BHL, false));
  A.push_back(scratchArg(M3Scratch::Adt, BHL, false));
  A.push_back(scratchArg(M3Scratch::Lam, BHL, false));
  A.push_back(scratchArg(M3Scratch::Om, BL * D.S, false));
  A.push_back(irValueArg("out", O.result(0), true));
  return A;
}

int64_t forwardSmemFloats(const M3Dims &D) {
  return forwardLayout(D).totalFloats();
}

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitMamba3Forward(const ir::Op &O, const EmitContext &C) {
  if (O.kind() != ir::OpKind::Mamba3 || O.numOperands() < 6 ||
      O.numResults() != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "mamba3 codegen: expected a mamba3 op (w, "
                                   "dt_bias, B_bias, C_bias, B_norm, C_norm "
                                   "[, D] [, out_norm]) -> o");
  auto D = mamba3DimsOf(O, forwardSmemFloats);
  if (!D)
    return D.takeError();
  if (O.numOperands() != 6u + D->HasD + D->HasOutNorm)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "mamba3 codegen: operand count does not "
                                   "match has_d / has_out_norm");
  std::vector<KernelSpec> Ks;
  Ks.push_back(emitMamba3Prep(O, *D, C, /*WithRstd=*/false));
  SmemLayout Lay = forwardLayout(*D);
  KernelSpec K = makeMamba3Spec(O, *D, "fwd", 256);
  K.Grid[0] = static_cast<unsigned>(D->H);
  K.Grid[1] = static_cast<unsigned>(D->B);
  K.SharedBytes = static_cast<unsigned>(Lay.totalFloats() * 4);
  K.Args = forwardArgs(O, *D);
  std::vector<std::string> Lines = {"const int H = blockIdx.x, B = blockIdx.y;",
                                    D->HasD ? "const float Dh = d_skip[H];"
                                            : "const float Dh = 0.f;"};
  assembleMamba3(K, O, *D, C, &Lay,
                 "Mamba-3 SISO chunked forward (schedule A): one block per "
                 "(head, batch), state in shared memory, FP32 FFMA.",
                 Lines, {D->HasOutNorm ? kGateNorm : kGatePlain, kFwdBody});
  Ks.push_back(std::move(K));
  return Ks;
}
