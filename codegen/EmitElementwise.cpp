//===- codegen/EmitElementwise.cpp - Point-wise, mix, gain, rope ops ------===//
///
/// \file
/// Row statements of the element-wise ops and their backward ops: add,
/// silu / relu2 / leaky_relu2, resid_mix, scaled_add, head_gain and rope.
/// Formulas follow the CPU reference kernels (runtime/cpu/Activation.cpp,
/// Elementwise.cpp, Rope.cpp) operation for operation, so fp32 results
/// agree to rounding. Example, `%23 = relu2(%22)` inside the row loop:
///
///   float r0[Row::kRegs];
///   #pragma unroll
///   for (int j = 0; j < Row::kRegs; ++j)
///     r0[j] = hybc::square(x0[j] > 0.0f ? x0[j] : 0.0f);
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/RowKernel.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace hybc;
using namespace hybc::ir;

namespace {

std::string fmt(const char *F, llvm::StringRef A = "", llvm::StringRef B = "",
                llvm::StringRef C = "", llvm::StringRef D = "",
                llvm::StringRef E = "") {
  return llvm::formatv(F, A, B, C, D, E).str();
}

void unaryAct(RowKernel &K, const Op &O) {
  std::string X = K.row(O.operand(0), "x"), Y = K.def(O.result());
  switch (O.kind()) {
  case OpKind::Silu:
    K.loop(fmt("{0}[j] = {1}[j] * hybc::sigmoid({1}[j]);", Y, X));
    return;
  case OpKind::Relu2:
    K.loop(fmt("{0}[j] = hybc::square({1}[j] > 0.0f ? {1}[j] : 0.0f);", Y, X));
    return;
  default: {
    std::string S = K.constFloat("kSlope", O.getFloat("slope"));
    K.loop(fmt("{0}[j] = hybc::square({1}[j] >= 0.0f ? {1}[j] : {2} * "
               "{1}[j]);",
               Y, X, S));
    return;
  }
  }
}

void unaryActBwd(RowKernel &K, const Op &O) {
  std::string DY = K.row(O.operand(0), "dy"), X = K.row(O.operand(1), "x");
  std::string DX = K.def(O.result());
  switch (O.kind()) {
  case OpKind::SiluBwd:
    K.loop(fmt("{{\n  const float s = hybc::sigmoid({2}[j]);\n"
               "  {0}[j] = {1}[j] * s * (1.0f + {2}[j] * (1.0f - s));\n}",
               DX, DY, X));
    return;
  case OpKind::Relu2Bwd:
    K.loop(fmt("{0}[j] = {1}[j] * 2.0f * ({2}[j] > 0.0f ? {2}[j] : 0.0f);", DX,
               DY, X));
    return;
  default: {
    std::string S = K.constFloat("kSlope", O.getFloat("slope"));
    K.loop(fmt("{0}[j] = {1}[j] * ({2}[j] >= 0.0f ? 2.0f : 2.0f * {3} * {3}) "
               "* {2}[j];",
               DX, DY, X, S));
    return;
  }
  }
}

void residMix(RowKernel &K, const Op &O) {
  std::string X = K.row(O.operand(0), "x"), X0 = K.row(O.operand(1), "x0");
  std::string M0 = K.paramRow(O.operand(2), "mix", 0);
  std::string M1 = K.paramRow(O.operand(2), "mix", 1);
  std::string Y = K.def(O.result());
  K.loop(fmt("{0}[j] = {1}[j] * {2}[j] + {3}[j] * {4}[j];", Y, M0, X, M1, X0));
}

void residMixBwd(RowKernel &K, const Op &O) {
  int64_t C = K.mapping().Cols;
  std::string DY = K.row(O.operand(0), "dy"), X = K.row(O.operand(1), "x");
  std::string X0 = K.row(O.operand(2), "x0");
  std::string M0 = K.paramRow(O.operand(3), "mix", 0);
  std::string M1 = K.paramRow(O.operand(3), "mix", 1);
  std::string A0 = K.colAcc(O.result(2), 0, 2 * C, 0);
  std::string A1 = K.colAcc(O.result(2), C, 2 * C, 0);
  std::string DX = K.def(O.result(0)), DX0 = K.def(O.result(1));
  K.loop(
      fmt("{{\n  {0}[j] += {1}[j] * {2}[j];\n  {3}[j] += {1}[j] * {4}[j];\n}",
          A0, DY, X, A1, X0));
  K.loop(fmt("{{\n  {0}[j] = {1}[j] * {2}[j];\n  {3}[j] = {4}[j] * {2}[j];\n}",
             DX0, M1, DY, DX, M0));
}

void scaledAdd(RowKernel &K, const Op &O) {
  int64_t Row = std::max<int64_t>(0, O.getInt("row"));
  std::string X = K.row(O.operand(0), "x"), F = K.row(O.operand(1), "f");
  std::string S = K.paramRow(O.operand(2), "s", Row);
  std::string Y = K.def(O.result());
  K.loop(fmt("{0}[j] = {1}[j] + {2}[j] * {3}[j];", Y, X, S, F));
}

void scaledAddBwd(RowKernel &K, const Op &O) {
  int64_t Row = std::max<int64_t>(0, O.getInt("row"));
  int64_t C = K.mapping().Cols;
  std::string DY = K.row(O.operand(0), "dy"), F = K.row(O.operand(1), "f");
  std::string S = K.paramRow(O.operand(2), "s", Row);
  std::string A = K.colAcc(O.result(1), 0, C, Row * C);
  std::string DF = K.def(O.result(0));
  K.loop(fmt("{{\n  {0}[j] += {1}[j] * {2}[j];\n  {3}[j] = {4}[j] * {1}[j];\n}",
             A, DY, F, DF, S));
}

/// `const int headN = row % kHeadsM;` for [B,T,H,hd] rows.
std::string headIndex(RowKernel &K, const Op &O) {
  const TensorType &T = O.result(0)->type();
  std::string H = K.constInt("kHeads", T.Shape[2]);
  std::string V = K.local("head");
  K.body().line(fmt("const int {0} = static_cast<int>(row % {1});", V, H));
  return V;
}

void headGain(RowKernel &K, const Op &O) {
  std::string X = K.row(O.operand(0), "x"), G = K.input(O.operand(1), "g");
  std::string H = headIndex(K, O), Y = K.def(O.result());
  K.loop(fmt("{0}[j] = {1}[j] * {2}[{3}];", Y, X, G, H));
}

void headGainBwd(RowKernel &K, const Op &O) {
  int64_t Heads = O.operand(1)->type().Shape[2];
  std::string DY = K.row(O.operand(0), "dy"), X = K.row(O.operand(1), "x");
  std::string G = K.input(O.operand(2), "g");
  std::string H = headIndex(K, O);
  std::string A = K.headAcc(O.result(1), Heads);
  std::string DX = K.def(O.result(0));
  std::string Dot = K.local("dot");
  K.body().line("float " + Dot + " = 0.0f;");
  K.loop(fmt("{0} += {1}[j] * {2}[j];", Dot, DY, X));
  K.body().line(Dot + " = " + K.rowSum(Dot) + ";");
  K.body().open("if (lane == 0)");
  K.body().line("#pragma unroll");
  K.body().line(llvm::formatv("for (int h = 0; h < {0}; ++h)", Heads).str());
  K.body().line(fmt("  {0}[h] += h == {1} ? {2} : 0.0f;", A, H, Dot));
  K.body().close();
  K.loop(fmt("{0}[j] = {1}[j] * {2}[{3}];", DX, DY, G, H));
}

/// 1 / base^(2i/dims) in fp32, as PyTorch builds inv_freq (Rope.cpp).
std::string invFreqTable(const Op &O, int64_t Half, bool Bf16) {
  double Base = O.getFloat("base");
  int64_t Dims = O.getInt("dims");
  std::string S = "{";
  for (int64_t I = 0; I < Half; ++I) {
    float E = static_cast<float>(2 * I) / static_cast<float>(Dims);
    float Inv = 1.0f / std::pow(static_cast<float>(Base), E);
    if (Bf16) { // round to bf16 (nearest even), as Rope.cpp's roundToBf16
      uint32_t B;
      std::memcpy(&B, &Inv, 4);
      B = (B + 0x7fffu + ((B >> 16) & 1u)) & 0xffff0000u;
      std::memcpy(&Inv, &B, 4);
    }
    S += (I ? ", " : "") + floatLit(Inv);
  }
  return S + "}";
}

void rope(RowKernel &K, const Op &O) {
  const TensorType &T = O.result(0)->type();
  bool Bwd = O.kind() == OpKind::RopeBwd;
  // bf16_tables (cpu::RopeTables): 0 exact, 1 PyTorch eager, 2 compiled.
  const int64_t Tables = O.getInt("bf16_tables", 0);
  const bool Bf16 = Tables != 0;
  int64_t Dims = O.getInt("dims"), Half = Dims / 2;
  std::string X = K.row(O.operand(0), Bwd ? "dy" : "x");
  std::string H = K.constInt("kHeads", T.Shape[2]);
  std::string Tm = K.constInt("kTime", T.Shape[1]);
  std::string HalfC = K.constInt("kHalf", Half);
  std::string DimsC = K.constInt("kDims", Dims);
  std::string Pair = K.constInt("kPair", Half / K.mapping().Lanes);
  std::string Inv =
      K.global("invFreq", llvm::formatv("__constant__ float @[{0}] = {1};",
                                        Half, invFreqTable(O, Half, Bf16))
                              .str());
  std::string Pos = K.local("pos");
  K.body().line(fmt("const hybc::i64 {0} = (row / {1}) % {2};", Pos, H, Tm));
  std::string Y = K.def(O.result());
  std::string Sign = Bwd ? "-" : "";
  std::string Trig =
      Tables == 1 ? fmt("    const float ang = hybc::roundBf16(hybc::roundBf16("
                        "static_cast<float>({0})) * {1}[c]);\n"
                        "    const float cf = hybc::roundBf16(cosf(ang));\n"
                        "    const float sf = {2}hybc::roundBf16(sinf(ang));\n",
                        Pos, Inv, Sign)
      : Bf16 // torch.compile: fp32 angle of the exact position
          ? fmt("    const float ang = static_cast<float>({0}) * {1}[c];\n"
                "    const float cf = hybc::roundBf16(cosf(ang));\n"
                "    const float sf = {2}hybc::roundBf16(sinf(ang));\n",
                Pos, Inv, Sign)
          // The angle pos * f as an unevaluated fp32 pair (hi + lo, the
          // FMA residual is exact), reduced by 2 pi in three FMAs (2 pi
          // as hi + lo; k <= pos / 2 pi is small, so the products are
          // exact) to [-pi, pi], where the SFU's __sincosf is accurate to
          // ~4e-7 absolute: within a few fp32 ulps of the fp64 table of
          // the CPU oracle, far below the bf16 rounding of the outputs,
          // at two SFU ops per pair instead of a software sincos.
          : fmt("    const float pf = static_cast<float>({0});\n"
                "    const float ah = pf * {1}[c];\n"
                "    const float al = fmaf(pf, {1}[c], -ah);\n"
                "    const float k = rintf(ah * 0.159154943f);\n"
                "    float r = fmaf(-k, 6.28318548f, ah);\n"
                "    r = fmaf(k, 1.74845553e-07f, r) + al;\n"
                "    float sf, cf;\n"
                "    __sincosf(r, &sf, &cf);\n{2}",
                Pos, Inv, Bwd ? "    sf = -sf;\n" : "");
  K.loop("{\n  const int c = Row::col(j, lane);\n" +
         fmt("  if (j + {0} < Row::kRegs && c < {1}) {{\n", Pair, HalfC) +
         Trig +
         fmt("    {0}[j] = {1}[j] * cf + {1}[j + {2}] * sf;\n"
             "    {0}[j + {2}] = {1}[j + {2}] * cf - {1}[j] * sf;\n",
             Y, X, Pair) +
         fmt("  } else if (c >= {0}) {{\n    {1}[j] = {2}[j];\n  }\n}", DimsC,
             Y, X));
}

} // namespace

llvm::Error hybc::emitElementwiseRowOp(RowKernel &K, const Op &O) {
  switch (O.kind()) {
  case OpKind::Add: {
    std::string A = K.row(O.operand(0), "a"), B = K.row(O.operand(1), "b");
    std::string Y = K.def(O.result());
    K.loop(fmt("{0}[j] = {1}[j] + {2}[j];", Y, A, B));
    return llvm::Error::success();
  }
  case OpKind::Silu:
  case OpKind::Relu2:
  case OpKind::LeakyRelu2:
    unaryAct(K, O);
    return llvm::Error::success();
  case OpKind::SiluBwd:
  case OpKind::Relu2Bwd:
  case OpKind::LeakyRelu2Bwd:
    unaryActBwd(K, O);
    return llvm::Error::success();
  case OpKind::ResidMix:
    residMix(K, O);
    return llvm::Error::success();
  case OpKind::ResidMixBwd:
    residMixBwd(K, O);
    return llvm::Error::success();
  case OpKind::ScaledAdd:
    scaledAdd(K, O);
    return llvm::Error::success();
  case OpKind::ScaledAddBwd:
    scaledAddBwd(K, O);
    return llvm::Error::success();
  case OpKind::HeadGain:
    headGain(K, O);
    return llvm::Error::success();
  case OpKind::HeadGainBwd:
    headGainBwd(K, O);
    return llvm::Error::success();
  case OpKind::Rope:
  case OpKind::RopeBwd:
    rope(K, O);
    return llvm::Error::success();
  default:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("codegen: op '{0}' is not a row op", opKindName(O.kind()))
            .str());
  }
}
