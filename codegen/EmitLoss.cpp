//===- codegen/EmitLoss.cpp - Softcapped cross-entropy --------------------===//
///
/// \file
/// lm_loss and lm_loss_bwd (oracle: runtime/cpu/Loss.cpp). The softcap
/// z = cap * tanh(logit / cap) is fused into the loss: one block per row
/// caches the row's z in registers, reduces max and sum(exp(z - max)) with
/// deterministic block reductions and writes the row's nll (forward) or
/// dlogits = scale / rows * (softmax(z) - onehot) * (1 - tanh^2) (backward).
/// The mean loss is a second single-block kernel summing the row nll in
/// fp64 in row order. logits and dlogits are bf16 when StoragePrecision
/// stores them so (kernel names get `_bf16io` / `_bf16i` / `_bf16o`); the
/// softcap's tanh and the exponentials run on the SFU (__expf), accurate
/// to ~1e-7 absolute, below the bf16 rounding of the logits.
/// Example: `%90 = lm_loss(%88, %89) {softcap=30,
/// per_token=0}` at 4096 rows x 1024 gives `hybc_lm_loss_fwd_r4096_v1024_*`
/// writing scratch `nll`, then `hybc_lm_loss_mean_fwd_r4096_*`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/EmitFamilies.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::ir;

namespace {

struct LossShape {
  int64_t Rows = 0, Vocab = 0;
  unsigned Threads = 128;
  int64_t Per = 1; ///< Logits per thread, cached in registers.
  double Cap = 0;
};

LossShape lossShape(const Op &O) {
  LossShape S;
  const TensorType &L = O.operand(0)->type();
  S.Rows = L.outer();
  S.Vocab = L.inner();
  while (S.Threads < 1024 && S.Threads * 16 < S.Vocab)
    S.Threads *= 2;
  S.Per = (S.Vocab + S.Threads - 1) / S.Threads;
  S.Cap = O.getFloat("softcap");
  return S;
}

/// Constants and the row prologue shared by forward and backward: z cached
/// in registers, row max `mx` and `sum` of exp(z - mx).
void writeRowPrologue(llvm::raw_ostream &OS, const LossShape &S) {
  OS << "  __shared__ float red[32];\n"
     << "  const hybc::i64 row = blockIdx.x;\n"
     << "  if (row >= kRows)\n    return;\n"
     << "  const auto *l = logits + row * kVocab;\n"
     << "  float z[kPer];\n"
     << "  float mx = -__int_as_float(0x7f800000);\n"
     << "#pragma unroll\n"
     << "  for (int k = 0; k < kPer; ++k) {\n"
     << "    const int v = k * kThreads + threadIdx.x;\n"
     << "    z[k] = 0.0f;\n"
     << "    if (v < kVocab) {\n"
     << (S.Cap > 0 ? "      z[k] = softcap(hybc::ld(l + v));\n"
                   : "      z[k] = hybc::ld(l + v);\n")
     << "      mx = fmaxf(mx, z[k]);\n"
     << "    }\n"
     << "  }\n"
     << "  mx = hybc::blockMax<kThreads>(mx, red);\n"
     << "  float sum = 0.0f;\n"
     << "#pragma unroll\n"
     << "  for (int k = 0; k < kPer; ++k)\n"
     << "    if (k * kThreads + threadIdx.x < kVocab)\n"
     << "      sum += __expf(z[k] - mx);\n"
     << "  sum = hybc::blockSum<kThreads>(sum, red);\n";
}

void writeConstants(llvm::raw_ostream &OS, const LossShape &S) {
  OS << constIntDecl("kRows", S.Rows) << "\n"
     << constIntDecl("kVocab", S.Vocab) << "\n"
     << constIntDecl("kThreads", S.Threads) << "\n"
     << constIntDecl("kPer", S.Per) << "\n";
  float InvCap = S.Cap > 0 ? 1.0f / static_cast<float>(S.Cap) : 0.0f;
  if (S.Cap > 0)
    OS << constFloatDecl("kCap", S.Cap) << "\n";
  OS << constFloatDecl("kInvCap", InvCap) << "\n";
  // tanh(t) = 1 - 2 / (e^2t + 1) on the SFU (ex2, rcp): absolute error
  // ~1e-7, which is what the softmax sees (the logits are bf16 anyway).
  if (S.Cap > 0)
    OS << "__device__ __forceinline__ float softcap(float X) {\n"
       << "  const float E = __expf(2.0f * kInvCap * X);\n"
       << "  return kCap * (1.0f - __fdividef(2.0f, E + 1.0f));\n}\n";
}

/// logits / dlogits typed bf16 when the lowering stores them so.
KernelArg lossArg(llvm::StringRef Name, const ir::Value &V, bool Output,
                  const EmitContext &C) {
  KernelArg A = valueArg(Name, V, Output);
  if (C.isBf16(&V))
    A.CType = Output ? "hybc::bf16 *" : "const hybc::bf16 *";
  return A;
}

/// "_bf16io" / "_bf16i" / "_bf16o" by which of logits / dlogits are bf16.
std::string lossSuffix(bool In, bool Out) {
  return In && Out ? "_bf16io" : In ? "_bf16i" : Out ? "_bf16o" : "";
}

KernelSpec meanKernel(const Op &O, const LossShape &S, const EmitContext &C) {
  KernelSpec K;
  K.Family = "loss";
  K.Block[0] = 1024;
  K.Args.push_back(scratchBuffer("nll", S.Rows, false));
  K.Args.push_back(valueArg("loss", *O.result(), true));
  std::string B;
  llvm::raw_string_ostream OS(B);
  OS << constIntDecl("kRows", S.Rows) << "\n\n"
     << kernelSignature(K.Args, "1024") << "\n"
     << "  __shared__ double red[32];\n"
     << "  double s = 0.0;\n"
     << "  for (int i = threadIdx.x; i < kRows; i += 1024)\n"
     << "    s += static_cast<double>(nll[i]);\n"
     << "  s = hybc::blockSum<1024>(s, red);\n"
     << "  if (threadIdx.x == 0)\n"
     << "    loss[0] = static_cast<float>(s / static_cast<double>(kRows));\n"
     << "}\n";
  const Op *Ops[] = {&O};
  assembleKernel(K, llvm::formatv("hybc_lm_loss_mean_fwd_r{0}", S.Rows).str(),
                 OS.str(), Ops, C,
                 "mean of the row nll: fp64, row order per thread, fixed "
                 "block reduction (deterministic)");
  return K;
}

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitLossForward(const Op &O, const EmitContext &C) {
  LossShape S = lossShape(O);
  bool PerToken = O.getInt("per_token", 0) != 0;
  KernelSpec K;
  K.Family = "loss";
  K.Grid[0] = static_cast<unsigned>(S.Rows);
  K.Block[0] = S.Threads;
  K.Args.push_back(lossArg("logits", *O.operand(0), false, C));
  K.Args.push_back(valueArg("targets", *O.operand(1), false));
  if (PerToken)
    K.Args.push_back(valueArg("nll", *O.result(), true));
  else
    K.Args.push_back(scratchBuffer("nll", S.Rows, true));
  std::string B;
  llvm::raw_string_ostream OS(B);
  writeConstants(OS, S);
  OS << "\n" << kernelSignature(K.Args, "kThreads") << "\n";
  writeRowPrologue(OS, S);
  OS << "  if (threadIdx.x == 0) {\n"
     << "    const int y = targets[row];\n"
     << (S.Cap > 0 ? "    const float zy = softcap(hybc::ld(l + y));\n"
                   : "    const float zy = hybc::ld(l + y);\n")
     << "    nll[row] = (mx + logf(sum)) - zy;\n"
     << "  }\n}\n";
  const Op *Ops[] = {&O};
  assembleKernel(
      K,
      llvm::formatv("hybc_lm_loss_fwd_r{0}_v{1}{2}", S.Rows, S.Vocab,
                    lossSuffix(C.isBf16(O.operand(0)), false))
          .str(),
      OS.str(), Ops, C,
      llvm::formatv("softcap {0} + log-sum-exp + nll, one block of "
                    "{1} threads per row ({2} logits per thread)",
                    S.Cap, S.Threads, S.Per)
          .str());
  std::vector<KernelSpec> Out;
  Out.push_back(std::move(K));
  if (!PerToken)
    Out.push_back(meanKernel(O, S, C));
  return Out;
}

llvm::Expected<std::vector<KernelSpec>>
hybc::emitLossBackward(const Op &O, const EmitContext &C) {
  LossShape S = lossShape(O);
  double Scale = O.getFloat("scale", 1.0) / static_cast<double>(S.Rows);
  KernelSpec K;
  K.Family = "loss";
  K.Grid[0] = static_cast<unsigned>(S.Rows);
  K.Block[0] = S.Threads;
  K.Args.push_back(lossArg("logits", *O.operand(0), false, C));
  K.Args.push_back(valueArg("targets", *O.operand(1), false));
  K.Args.push_back(lossArg("dlogits", *O.result(), true, C));
  std::string B;
  llvm::raw_string_ostream OS(B);
  writeConstants(OS, S);
  OS << constFloatDecl("kScale", Scale) << "\n";
  OS << "\n" << kernelSignature(K.Args, "kThreads") << "\n";
  writeRowPrologue(OS, S);
  OS << "  const float inv = 1.0f / sum;\n"
     << "  const int y = targets[row];\n"
     << "  auto *d = dlogits + row * kVocab;\n"
     << "#pragma unroll\n"
     << "  for (int k = 0; k < kPer; ++k) {\n"
     << "    const int v = k * kThreads + threadIdx.x;\n"
     << "    if (v >= kVocab)\n"
     << "      continue;\n"
     << "    const float th = z[k] * kInvCap;\n"
     << "    const float dz = kScale * __expf(z[k] - mx) * inv;\n"
     << "    float g = dz * (1.0f - th * th);\n"
     << "    if (v == y)\n"
     << "      g -= kScale * (1.0f - th * th);\n"
     << "    hybc::st(d + v, g);\n"
     << "  }\n}\n";
  const Op *Ops[] = {&O};
  assembleKernel(
      K,
      llvm::formatv("hybc_lm_loss_bwd_r{0}_v{1}{2}", S.Rows, S.Vocab,
                    lossSuffix(C.isBf16(O.operand(0)), C.isBf16(O.result())))
          .str(),
      OS.str(), Ops, C,
      llvm::formatv("d(scale * mean nll)/dlogits through the softcap "
                    "{0}, one block of {1} threads per row",
                    S.Cap, S.Threads)
          .str());
  std::vector<KernelSpec> Out;
  Out.push_back(std::move(K));
  return Out;
}
