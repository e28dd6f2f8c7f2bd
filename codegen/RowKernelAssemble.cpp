//===- codegen/RowKernelAssemble.cpp - Row kernel text --------------------===//
///
/// \file
/// The fixed frame of a row kernel around the op statements: shape
/// constants, the lane/group indices, the hoisted parameter rows, the
/// grid-stride row loop and the block combine of accumulators. Example
/// frame (rows of 128 floats, 8 lanes of float4 per row):
///
///   static constexpr int kRows = 4096;
///   static constexpr int kCols = 128;
///   static constexpr int kLanes = 8;
///   ...
///   typedef hybc::RowLayout<kLanes, kVec, kCols> Row;
///   extern "C" __global__ void __launch_bounds__(kThreads)
///   hybc_rms_norm_fwd_r4096_d128_xxxxxxxx(...) {
///     const int lane = threadIdx.x % kLanes;
///     const int group = blockIdx.x * kGroupsPerBlock + threadIdx.x / kLanes;
///     for (hybc::i64 row = group; row < kRows; row += kGroups) { ... }
///   }
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/RowKernel.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::ir;

namespace {

/// Adds Indent spaces in front of every non-empty line of Text.
std::string indentText(llvm::StringRef Text, unsigned Indent) {
  std::string Out;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  for (size_t I = 0; I < Lines.size(); ++I) {
    if (I + 1 == Lines.size() && Lines[I].empty())
      break;
    if (!Lines[I].empty())
      Out.append(Indent, ' ');
    Out += Lines[I];
    Out += '\n';
  }
  return Out;
}

} // namespace

std::string RowKernel::assemble(llvm::ArrayRef<KernelArg> Args) const {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kRows", Map.Rows) << "\n"
     << constIntDecl("kCols", Map.Cols) << "\n"
     << constIntDecl("kLanes", Map.Lanes) << "\n"
     << constIntDecl("kVec", Map.Vec) << "\n"
     << constIntDecl("kThreads", Map.Threads) << "\n"
     << constIntDecl("kGroupsPerBlock", Map.GroupsPerBlock) << "\n"
     << constIntDecl("kBlocks", Map.Blocks) << "\n"
     << "static constexpr int kGroups = kBlocks * kGroupsPerBlock;\n"
     << "typedef hybc::RowLayout<kLanes, kVec, kCols> Row;\n";
  for (const std::string &G : Globals)
    OS << G << "\n";
  OS << "\n" << kernelSignature(Args, "kThreads") << "\n";
  OS << "  const int lane = threadIdx.x % kLanes;\n"
     << "  const int group = blockIdx.x * kGroupsPerBlock + threadIdx.x / "
        "kLanes;\n";
  if (NeedRed)
    OS << "  __shared__ float red[32];\n";
  OS << indentText(Pre.str(), 2);
  OS << "  for (hybc::i64 row = group; row < kRows; row += kGroups) {\n";
  OS << indentText(Body.str(), 4);
  OS << "  }\n";
  if (!Accs.empty()) {
    llvm::SmallVector<CombineItem, 4> Items;
    int64_t Width = 0;
    for (const Acc &A : Accs) {
      CombineItem I;
      I.Var = A.Var;
      I.Partial = Partials[A.Partial].Name;
      I.Width = Partials[A.Partial].Width;
      I.Offset = A.Offset;
      I.Heads = A.Heads;
      Width = std::max(Width, A.Heads ? A.Heads : Map.Cols);
      Items.push_back(I);
    }
    SourceWriter W;
    writeBlockCombine(W, Items, Width);
    OS << indentText(W.str(), 2);
  }
  OS << "}\n";
  return OS.str();
}

std::string RowKernel::summary() const {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << llvm::formatv("row kernel: {0} op(s) on rows of [{1} x {2}]; {3} "
                      "lane(s) x float{4} per row, {5} threads x {6} blocks",
                      Grp.Ops.size(), Map.Rows, Map.Cols, Map.Lanes, Map.Vec,
                      Map.Threads, Map.Blocks);
  if (!Partials.empty())
    OS << "\ncolumn-reduced outputs (partials summed by hybc_colsum kernels):";
  for (const PartialSum &P : Partials)
    OS << " %" << P.Out->id();
  if (!Grp.Reason.empty())
    OS << "\n" << Grp.Reason;
  return OS.str();
}
