//===- codegen/EmitCast.cpp - fp32 -> bf16 copies for GEMM operands -------===//
///
/// \file
/// The bf16 copy of an fp32 value that a bf16 GEMM reads (a weight, or an
/// fp32 activation whose partner operand is stored in bf16; see
/// StoragePrecision.h): round to nearest even, 4 elements per thread.
/// Example: the bf16 copy of the 512x512 `c_q` weight %13 is
/// `hybc_cast_bf16_n262144_<hash>`, args (x: %13, y: its copy).
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/EmitFamilies.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace hybc;

/// Family and args (x: the fp32 value, y: its bf16 copy) of a cast kernel.
static KernelSpec castSpec(const ir::Value &X, unsigned CopyId) {
  KernelSpec K;
  K.Family = "cast";
  K.Args.push_back(valueArg("x", X, false));
  KernelArg Y = valueArg("y", X, true);
  Y.CType = "hybc::bf16 *";
  Y.ValueId = CopyId;
  K.Args.push_back(Y);
  return K;
}

KernelSpec hybc::emitCastToBf16(const ir::Value &X, unsigned CopyId,
                                const ir::Op &User, const EmitContext &C) {
  const int64_t N = X.type().numel();
  const int64_t Quads = (N + 3) / 4;
  KernelSpec K = castSpec(X, CopyId);
  K.Block[0] = 256;
  K.Grid[0] = static_cast<unsigned>(
      std::min<int64_t>((Quads + 255) / 256, 132 * 16));
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kN", N) << "\n"
     << constIntDecl("kThreads", 256) << "\n\n"
     << kernelSignature(K.Args, "kThreads") << "\n"
     << "  for (hybc::i64 q = hybc::globalThread(); q < (kN + 3) / 4;\n"
     << "       q += hybc::gridThreads()) {\n"
     << "    const hybc::i64 i = 4 * q;\n"
     << "    if (kN % 4 == 0) {\n"
     << "      const hybc::f4 v = reinterpret_cast<const hybc::f4 *>(x)[q];\n"
     << "      hybc::Bf16Vec<4> o;\n"
     << "      for (int e = 0; e < 4; ++e)\n"
     << "        o.E[e] = hybc::toBf16(v.V[e]);\n"
     << "      reinterpret_cast<hybc::Bf16Vec<4> *>(y)[q] = o;\n"
     << "    } else {\n"
     << "      for (hybc::i64 j = i; j < i + 4 && j < kN; ++j)\n"
     << "        y[j] = hybc::toBf16(x[j]);\n"
     << "    }\n"
     << "  }\n}\n";
  const ir::Op *Ops[] = {&User};
  assembleKernel(K, llvm::formatv("hybc_cast_bf16_n{0}", N).str(), OS.str(),
                 Ops, C,
                 llvm::formatv("bf16 copy of %{0} for the bf16 GEMM of this "
                               "op (round to nearest even)",
                               X.id())
                     .str());
  return K;
}

KernelSpec hybc::emitCastTransposeToBf16(const ir::Value &X, unsigned CopyId,
                                         const ir::Op &User,
                                         const EmitContext &C) {
  const int64_t R = X.type().outer(), Cols = X.type().inner();
  KernelSpec K = castSpec(X, CopyId);
  K.Block[0] = 32;
  K.Block[1] = 8;
  K.Grid[0] = static_cast<unsigned>((Cols + 31) / 32);
  K.Grid[1] = static_cast<unsigned>((R + 31) / 32);
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kRows", R) << "\n"
     << constIntDecl("kCols", Cols) << "\n"
     << constIntDecl("kThreads", 256) << "\n\n"
     << kernelSignature(K.Args, "kThreads") << "\n"
     << "  __shared__ float tile[32][33];\n"
     << "  const hybc::i64 c0 = static_cast<hybc::i64>(blockIdx.x) * 32;\n"
     << "  const hybc::i64 r0 = static_cast<hybc::i64>(blockIdx.y) * 32;\n"
     << "  for (int i = threadIdx.y; i < 32; i += 8) {\n"
     << "    const hybc::i64 r = r0 + i, c = c0 + threadIdx.x;\n"
     << "    tile[i][threadIdx.x] = r < kRows && c < kCols ? x[r * kCols + c] "
        ": 0.0f;\n"
     << "  }\n"
     << "  __syncthreads();\n"
     << "  // y[c][r] = x[r][c]: consecutive threads write consecutive r.\n"
     << "  for (int i = threadIdx.y; i < 32; i += 8) {\n"
     << "    const hybc::i64 c = c0 + i, r = r0 + threadIdx.x;\n"
     << "    if (r < kRows && c < kCols)\n"
     << "      y[c * kRows + r] = hybc::toBf16(tile[threadIdx.x][i]);\n"
     << "  }\n}\n";
  const ir::Op *Ops[] = {&User};
  assembleKernel(
      K, llvm::formatv("hybc_cast_bf16_t_r{0}_c{1}", R, Cols).str(), OS.str(),
      Ops, C,
      llvm::formatv("transposed bf16 copy of %{0} ([{1},{2}] -> [{2},{1}]) "
                    "for the bf16 GEMM of this op",
                    X.id(), R, Cols)
          .str());
  return K;
}
