//===- codegen/EmitNorm.cpp - rms_norm, rms_norm_bwd, fake_quant ----------===//
///
/// \file
/// Row statements of the ops that reduce over their row: parameter-free
/// RMSNorm and its backward (rstd recomputed from x, as the CPU
/// interpreter does) and per-row fake quantisation for late QAT. Formulas
/// follow runtime/cpu/Norm.cpp and Quant.cpp. Example, `%6 = rms_norm(%5)`:
///
///   float ss0 = 0.0f;
///   for (j) ss0 += x0[j] * x0[j];
///   ss0 = hybc::rowSum<kLanes, kThreads>(ss0, red);
///   const float rstd0 = 1.0f / sqrtf(ss0 / static_cast<float>(kCols) + kEps0);
///   for (j) r0[j] = x0[j] * rstd0;
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/RowKernel.h"

#include "llvm/Support/FormatVariadic.h"

using namespace hybc;
using namespace hybc::ir;

namespace {

/// Emits `const float rstdN = 1 / sqrt(mean(x^2) + eps)` for array X.
std::string rstdOf(RowKernel &K, const Op &O, llvm::StringRef X) {
  std::string Eps = K.constFloat("kEps", O.getFloat("eps"));
  std::string SS = K.local("ss"), R = K.local("rstd");
  K.body().line("float " + SS + " = 0.0f;");
  K.loop(llvm::formatv("{0} += {1}[j] * {1}[j];", SS, X).str());
  K.body().line(SS + " = " + K.rowSum(SS) + ";");
  K.body().line(llvm::formatv("const float {0} = 1.0f / sqrtf({1} / "
                              "static_cast<float>(kCols) + {2});",
                              R, SS, Eps)
                    .str());
  return R;
}

void rmsNorm(RowKernel &K, const Op &O) {
  std::string X = K.row(O.operand(0), "x");
  std::string R = rstdOf(K, O, X);
  std::string Y = K.def(O.result());
  K.loop(llvm::formatv("{0}[j] = {1}[j] * {2};", Y, X, R).str());
}

void rmsNormBwd(RowKernel &K, const Op &O) {
  std::string DY = K.row(O.operand(0), "dy"), X = K.row(O.operand(1), "x");
  std::string R = rstdOf(K, O, X);
  std::string Dot = K.local("dot"), Coef = K.local("coef");
  K.body().line("float " + Dot + " = 0.0f;");
  K.loop(llvm::formatv("{0} += {1}[j] * {2}[j];", Dot, DY, X).str());
  K.body().line(Dot + " = " + K.rowSum(Dot) + ";");
  K.body().line(llvm::formatv("const float {0} = {1} * {1} * {1} * {2} / "
                              "static_cast<float>(kCols);",
                              Coef, R, Dot)
                    .str());
  std::string DX = K.def(O.result());
  K.loop(
      llvm::formatv("{0}[j] = {1} * {2}[j] - {3}[j] * {4};", DX, R, DY, X, Coef)
          .str());
}

void fakeQuant(RowKernel &K, const Op &O) {
  int64_t Bits = O.getInt("bits");
  std::string X = K.row(O.operand(0), "w");
  std::string Q =
      K.constFloat("kQMax", static_cast<double>((1LL << (Bits - 1)) - 1));
  std::string Amax = K.local("amax"), Scale = K.local("scale");
  K.body().line("float " + Amax + " = 0.0f;");
  K.loop(llvm::formatv("{0} = fmaxf({0}, fabsf({1}[j]));", Amax, X).str());
  K.body().line(Amax + " = " + K.rowMax(Amax) + ";");
  K.body().line(llvm::formatv("const float {0} = fmaxf({1} / {2}, 1.0f / "
                              "{2});",
                              Scale, Amax, Q)
                    .str());
  std::string Y = K.def(O.result());
  K.loop(llvm::formatv("{0}[j] = fminf(fmaxf(rintf({1}[j] / {2}), -{3}), "
                       "{3}) * {2};",
                       Y, X, Scale, Q)
             .str());
}

} // namespace

llvm::Error hybc::emitNormRowOp(RowKernel &K, const Op &O) {
  switch (O.kind()) {
  case OpKind::RmsNorm:
    rmsNorm(K, O);
    return llvm::Error::success();
  case OpKind::RmsNormBwd:
    rmsNormBwd(K, O);
    return llvm::Error::success();
  case OpKind::FakeQuant:
    fakeQuant(K, O);
    return llvm::Error::success();
  default:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("codegen: op '{0}' is not a norm op",
                      opKindName(O.kind()))
            .str());
  }
}
