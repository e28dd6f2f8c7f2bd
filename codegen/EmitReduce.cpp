//===- codegen/EmitReduce.cpp - Deterministic column sums -----------------===//
///
/// \file
/// Parameter gradients of the scale / mix / gain / gate vectors are sums
/// over every row. A row kernel accumulates them per lane over its rows,
/// combines the lane groups of a block in group order in shared memory and
/// writes one partial row per block (writeBlockCombine); the column-sum
/// kernel then adds the partial rows in fp64 in a fixed order (32 columns
/// per block; warp w sums partial rows w, w + 32, ..., then the 32 warp
/// sums are added in warp order). Both passes
/// have a fixed order, so the result is bitwise reproducible; there are no
/// atomics. Example: dmix of resid_mix_bwd at D=512 over 65536 rows with
/// 1056 blocks -> partial [1056, 1024] -> hybc_colsum_bwd_p1056_w1024_n1024.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/RowKernel.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace hybc;

void hybc::writeBlockCombine(SourceWriter &W, llvm::ArrayRef<CombineItem> Items,
                             int64_t CombineWidth) {
  W.comment("Combine the lane groups of this block in group order, then one "
            "partial row per block.");
  W.line(llvm::formatv("__shared__ __align__(16) float comb[kGroupsPerBlock * "
                       "{0}];",
                       CombineWidth)
             .str());
  W.line("const int slot = threadIdx.x / kLanes;");
  for (const CombineItem &I : Items) {
    int64_t N = I.Heads ? I.Heads : -1;
    if (I.Heads) {
      W.open("if (lane == 0)");
      W.line(llvm::formatv("for (int h = 0; h < {0}; ++h)", N).str());
      W.line(llvm::formatv("  comb[slot * {0} + h] = {1}[h];", N, I.Var).str());
      W.close();
    } else {
      W.line("hybc::store<Row>(comb + slot * kCols, " + I.Var + ", lane);");
    }
    std::string Len = I.Heads ? std::to_string(I.Heads) : "kCols";
    W.line("__syncthreads();");
    W.open("for (int c = threadIdx.x; c < " + Len + "; c += kThreads)");
    W.line("float s = 0.0f;");
    W.line("for (int g = 0; g < kGroupsPerBlock; ++g)");
    W.line("  s += comb[g * " + Len + " + c];");
    W.line(llvm::formatv("{0}[static_cast<hybc::i64>(blockIdx.x) * {1} + {2}c] "
                         "= s;",
                         I.Partial, I.Width,
                         I.Offset ? std::to_string(I.Offset) + " + " : "")
               .str());
    W.close();
    W.line("__syncthreads();");
  }
}

KernelSpec hybc::emitColumnSum(const PartialSum &P, unsigned Blocks,
                               llvm::ArrayRef<const ir::Op *> Ops,
                               const EmitContext &C) {
  const ir::Value &Out = *P.Out;
  int64_t Numel = Out.type().numel();
  bool Zero = P.Base != 0 || P.Width != Numel;
  KernelSpec K;
  K.Family = "reduce";
  // 32 columns per block; the 32 warps each sum every 32nd partial row
  // (coalesced 128-byte reads), then warp 0 adds the 32 sums in warp order.
  K.Block[0] = 1024;
  K.Grid[0] = static_cast<unsigned>((Numel + 31) / 32);
  K.Args.push_back(scratchBuffer(P.Name, P.Width * Blocks, false));
  K.Args.push_back(valueArg("out", Out, true));
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kParts", Blocks) << "\n"
     << constIntDecl("kWidth", P.Width) << "\n"
     << constIntDecl("kBase", P.Base) << "\n"
     << constIntDecl("kNumel", Numel) << "\n\n"
     << kernelSignature(K.Args, "1024") << "\n"
     << "  __shared__ double sums[32][33];\n"
     << "  const int x = threadIdx.x & 31, y = threadIdx.x >> 5;\n"
     << "  const int i = blockIdx.x * 32 + x, c = i - kBase;\n"
     << "  const bool live = i < kNumel" << (Zero ? " && c >= 0 && c < kWidth" : "")
     << ";\n"
     << "  double s = 0.0;\n"
     << "  if (live)\n"
     << "    for (int b = y; b < kParts; b += 32)\n"
     << "      s += static_cast<double>(" << P.Name
     << "[static_cast<hybc::i64>(b) * kWidth + c]);\n"
     << "  sums[y][x] = s;\n"
     << "  __syncthreads();\n"
     << "  if (y != 0 || i >= kNumel)\n    return;\n"
     << "  double t = 0.0;\n"
     << "  for (int g = 0; g < 32; ++g)\n"
     << "    t += sums[g][x];\n"
     << "  out[i] = static_cast<float>(t);\n}\n";
  std::string Base =
      llvm::formatv("hybc_colsum_bwd_p{0}_w{1}_n{2}", Blocks, P.Width, Numel)
          .str();
  assembleKernel(K, Base, OS.str(), Ops, C,
                 llvm::formatv("column sum of %{0}: {1} partial rows of {2} "
                               "floats, fp64 in a fixed order (deterministic)",
                               Out.id(), Blocks, P.Width)
                     .str());
  return K;
}
