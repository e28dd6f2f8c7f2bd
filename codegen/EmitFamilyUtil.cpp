//===- codegen/EmitFamilyUtil.cpp - Helpers of the heavy emitters ---------===//
///
/// \file
/// See EmitFamilyUtil.h. Example: `constFloat(W, "kScale", 0.125)` writes
/// `static constexpr float kScale = 0.125f;`.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitFamilyUtil.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <climits>
#include <cstdio>
#include <cstdlib>

using namespace hybc;

KernelArg hybc::bufferArg(llvm::StringRef Name, int64_t Elements,
                          unsigned ValueId, bool Output) {
  KernelArg A;
  A.K = KernelArg::Buffer;
  A.Name = Name.str();
  A.CType = Output ? "float *" : "const float *";
  A.Output = Output;
  A.Elements = Elements;
  A.ValueId = ValueId;
  return A;
}

KernelArg hybc::scratchArg(llvm::StringRef Name, int64_t Elements,
                           bool Output) {
  KernelArg A = bufferArg(Name, Elements, /*ValueId=*/0, Output);
  A.Scratch = true;
  return A;
}

KernelArg hybc::roleBufferArg(llvm::StringRef Name, int64_t Elements,
                              bool Output) {
  return bufferArg(Name, Elements, /*ValueId=*/0, Output);
}

KernelArg hybc::scalarArg(KernelArg::Kind K, llvm::StringRef Name) {
  KernelArg A;
  A.K = K;
  A.Name = Name.str();
  A.CType = K == KernelArg::F32   ? "float"
            : K == KernelArg::F64 ? "double"
                                  : "long long";
  return A;
}

std::string hybc::opText(const ir::Op &O) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  for (unsigned I = 0; I < O.numResults(); ++I)
    OS << (I ? ", " : "") << "%" << O.result(I)->id();
  OS << " = " << ir::opKindName(O.kind()) << "(";
  for (unsigned I = 0; I < O.numOperands(); ++I)
    OS << (I ? ", " : "") << "%" << O.operand(I)->id();
  OS << ")";
  return OS.str();
}

std::string hybc::specLineText(const ir::Op &O, const EmitContext &C) {
  std::string Path = C.SpecPath.empty() ? "<spec>" : C.SpecPath;
  return llvm::formatv("{0}:{1}", Path, O.SpecLine).str();
}

void hybc::writeKernelHeader(SourceWriter &W, const KernelSpec &K,
                             llvm::ArrayRef<std::string> Ops,
                             llvm::StringRef SpecLine,
                             llvm::StringRef Summary) {
  W.comment("hybc kernel " + K.Name + " (family " + K.Family + ")");
  for (const std::string &Op : Ops)
    W.comment("IR: " + Op);
  W.comment(("spec: " + SpecLine).str());
  W.comment(Summary);
  W.comment(llvm::formatv("launch: grid ({0}, {1}, {2}) block ({3}, {4}, {5}) "
                          "dynamic smem {6} B",
                          K.Grid[0], K.Grid[1], K.Grid[2], K.Block[0],
                          K.Block[1], K.Block[2], K.SharedBytes)
                .str());
}

void hybc::emitVerbatim(SourceWriter &W, llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  // Drop the leading newline of raw string literals.
  size_t First = !Lines.empty() && Lines.front().trim().empty() ? 1 : 0;
  for (size_t I = First; I < Lines.size(); ++I) {
    llvm::StringRef L = Lines[I].rtrim();
    if (L.empty()) {
      if (I + 1 < Lines.size())
        W.blank();
      continue;
    }
    W.line(L);
  }
}

void hybc::openKernel(SourceWriter &W, const KernelSpec &K, unsigned Threads,
                      unsigned MinBlocks) {
  std::string Bounds = std::to_string(Threads);
  if (MinBlocks)
    Bounds += ", " + std::to_string(MinBlocks);
  W.line("extern \"C\" __global__ void __launch_bounds__(" + Bounds + ")");
  if (K.Args.empty()) {
    W.open(K.Name + "()");
    return;
  }
  W.line(K.Name + "(");
  for (size_t I = 0; I < K.Args.size(); ++I) {
    const KernelArg &A = K.Args[I];
    std::string Decl = A.K == KernelArg::Buffer
                           ? A.CType + "__restrict__ " + A.Name
                           : A.CType + " " + A.Name;
    if (I + 1 < K.Args.size())
      W.line("    " + Decl + ",");
    else
      W.open("    " + Decl + ")");
  }
}

void hybc::constInt(SourceWriter &W, llvm::StringRef Name, int64_t V) {
  bool Small = V >= INT_MIN && V <= INT_MAX;
  W.line(llvm::formatv("[[maybe_unused]] static constexpr {0} {1} = {2}{3};",
                       Small ? "int" : "long long", Name, V, Small ? "" : "LL")
             .str());
}

void hybc::constFloat(SourceWriter &W, llvm::StringRef Name, double V) {
  char Buf[64];
  snprintf(Buf, sizeof(Buf), "%.9g",
           static_cast<double>(static_cast<float>(V)));
  std::string Lit = Buf;
  if (Lit.find_first_of(".eE") == std::string::npos)
    Lit += ".0";
  W.line(llvm::formatv("[[maybe_unused]] static constexpr float {0} = {1}f;",
                       Name, Lit)
             .str());
}

void hybc::finishKernel(KernelSpec &K, const SourceWriter &W) {
  K.Source = hybcPrelude().str();
  if (!K.Source.empty() && K.Source.back() != '\n')
    K.Source += "\n";
  K.Source += W.str();
}

void hybc::addProvenance(KernelSpec &K, const ir::Op &O) {
  K.FusedOps.push_back(opText(O));
  if (O.SpecLine)
    K.SpecLines.push_back(O.SpecLine);
}
