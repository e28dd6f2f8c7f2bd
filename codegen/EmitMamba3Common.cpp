//===- codegen/EmitMamba3Common.cpp - Mamba-3 shapes and device helpers ---===//
///
/// \file
/// Shape validation and chunk choice, shared-memory layouts, kernel naming
/// and the assembly of a Mamba-3 kernel source (header, prologue from
/// EmitMamba3Device.cpp, signature, body). Example:
/// `auto D = mamba3DimsOf(Op); KernelSpec K = makeMamba3Spec(Op, *D, "fwd",
/// 256);`
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"
#include "codegen/EmitMamba3Detail.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdio>
#include <cstring>

using namespace hybc;

std::string M3Dims::signature() const {
  std::string Sig = llvm::formatv("b{0}_l{1}_h{2}_p{3}_n{4}_g{5}_s{6}_c{7}", B,
                                  L, H, P, N, G, S, Lc)
                        .str();
  if (Heavy)
    Sig += "_ht";
  if (HasD)
    Sig += "_d";
  if (HasOutNorm)
    Sig += "_on";
  if (static_cast<float>(AFloor) != 1e-4f || static_cast<float>(Eps) != 1e-5f) {
    float F[2] = {static_cast<float>(AFloor), static_cast<float>(Eps)};
    uint32_t Hash = 2166136261u; // FNV-1a over the fp32 bit patterns
    unsigned char Bytes[sizeof(F)];
    std::memcpy(Bytes, F, sizeof(F));
    for (unsigned char C : Bytes)
      Hash = (Hash ^ C) * 16777619u;
    Sig += llvm::formatv("_x{0:x-8}", Hash).str();
  }
  return Sig;
}

llvm::Expected<M3Dims>
hybc::mamba3DimsOf(const ir::Op &O, int64_t (*SmemFloats)(const M3Dims &)) {
  bool Bwd = O.kind() == ir::OpKind::Mamba3Bwd;
  const ir::TensorType &W = O.operand(Bwd ? 1 : 0)->type();
  M3Dims D;
  auto Fail = [&](const llvm::Twine &Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "mamba3 codegen: w " + W.str() + ": " + Why);
  };
  for (const char *K :
       {"nheads", "headdim", "dstate", "ngroups", "angles", "chunk", "a_act",
        "a_floor", "eps", "has_d", "has_out_norm"})
    if (!O.hasAttr(K))
      return Fail(llvm::Twine("missing attribute '") + K + "'");
  if (W.rank() != 3)
    return Fail("expected w of rank 3 (B, L, DProj)");
  D.B = W.Shape[0], D.L = W.Shape[1];
  D.H = O.getInt("nheads"), D.P = O.getInt("headdim");
  D.N = O.getInt("dstate"), D.G = O.getInt("ngroups");
  D.S = O.getInt("angles"), D.ChunkAttr = O.getInt("chunk");
  D.Heavy = O.getInt("a_act") != 0, D.HasD = O.getInt("has_d") != 0;
  D.HasOutNorm = O.getInt("has_out_norm") != 0;
  D.AFloor = O.getFloat("a_floor"), D.Eps = O.getFloat("eps");
  if (D.G <= 0 || D.H % D.G != 0)
    return Fail("nheads must be a multiple of ngroups");
  if (D.P % 16 || D.N % 16 || D.P > 256 || D.N > 256)
    return Fail("headdim and dstate must be multiples of 16 up to 256 (hint: "
                "the kernels tile them in steps of 16)");
  if (D.S < 1 || 2 * D.S > D.N)
    return Fail("need 1 <= angles <= dstate / 2");
  if (W.Shape[2] != D.DProj())
    return Fail(llvm::formatv("last dim must be 2*H*P + 2*G*N + 3*H + S = {0}",
                              D.DProj()));
  D.Lc = std::min<int64_t>(64, std::max<int64_t>(16, D.ChunkAttr / 16 * 16));
  while (SmemFloats && SmemFloats(D) * 4 > kMaxDynSmemBytes && D.Lc > 16)
    D.Lc -= 16;
  if (SmemFloats && SmemFloats(D) * 4 > kMaxDynSmemBytes)
    return Fail(llvm::formatv("shared memory {0} B exceeds {1} B even with "
                              "chunk 16 (hint: smaller headdim/dstate)",
                              SmemFloats(D) * 4, kMaxDynSmemBytes));
  return D;
}

int64_t SmemLayout::totalFloats() const {
  int64_t Off = 0;
  for (const auto &R : Regions)
    Off += (R.second + 3) / 4 * 4;
  return Off;
}

void SmemLayout::write(SourceWriter &W) const {
  int64_t Off = 0;
  for (const auto &R : Regions) {
    constInt(W, "kSm" + R.first, Off);
    Off += (R.second + 3) / 4 * 4;
  }
  constInt(W, "kSmTotal", Off);
}

void hybc::addChunkRegions(SmemLayout &Lay, const M3Dims &D) {
  const int64_t Lc = D.Lc;
  Lay.add("Q", Lc * (D.N + 1));
  Lay.add("K", Lc * (D.N + 1));
  Lay.add("X", Lc * (D.P + 1));
  for (const char *Name : {"Cs", "Sig", "Gam", "Ee", "We"})
    Lay.add(Name, Lc);
  Lay.add("Dt", Lc + 1);
  Lay.add("Lam", Lc + 1);
  Lay.add("Ang", D.S * Lc);
  Lay.add("Cos", Lc * D.S);
  Lay.add("Sin", Lc * D.S);
  Lay.add("Om", Lc * D.S);
  Lay.add("Phi", D.S);
}

KernelArg hybc::irValueArg(llvm::StringRef Name, const ir::Value *V,
                           bool Output) {
  return bufferArg(Name, V->type().numel(), V->id(), Output);
}

KernelSpec hybc::makeMamba3Spec(const ir::Op &O, const M3Dims &D,
                                llvm::StringRef Stage, unsigned Threads) {
  KernelSpec K;
  K.Name = ("hybc_mamba3_" + Stage + "_" + D.signature()).str();
  K.Family = "mamba3";
  K.Block[0] = Threads;
  addProvenance(K, O);
  return K;
}

void hybc::assembleMamba3(KernelSpec &K, const ir::Op &O, const M3Dims &D,
                          const EmitContext &C, const SmemLayout *Lay,
                          llvm::StringRef Summary,
                          llvm::ArrayRef<std::string> BodyLines,
                          llvm::ArrayRef<const char *> BodyText,
                          llvm::ArrayRef<llvm::StringRef> ExtraDevice) {
  SourceWriter W;
  std::string Sum = Summary.str();
  if (D.Lc != D.ChunkAttr)
    Sum += llvm::formatv("\nchunk attribute {0} evaluated with kernel chunk "
                         "{1} (exact rewrite, docs mamba3.md §4.3).",
                         D.ChunkAttr, D.Lc)
               .str();
  if (K.SharedBytes > 48 * 1024)
    Sum += "\nneeds cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, "
           "SharedBytes) before launch (> 48 KiB).";
  writeKernelHeader(W, K, K.FusedOps, specLineText(O, C), Sum);
  writeMamba3Prologue(W, D, Lay, ExtraDevice);
  openKernel(W, K, K.Block[0], K.SharedBytes > 48 * 1024 ? 1 : 0);
  W.line("using namespace hybc_m3;");
  for (const std::string &L : BodyLines)
    W.line(L);
  for (const char *T : BodyText)
    emitVerbatim(W, T);
  W.close();
  finishKernel(K, W);
}
