//===- runtime/cpu/InterpForward.cpp - Forward ops on the CPU -------------===//
//
// One case per forward op kind of ir/Ops.def (and the shared matmul, add and
// reshape), each a call into a reference kernel.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Activation.h"
#include "runtime/cpu/Attention.h"
#include "runtime/cpu/Embedding.h"
#include "runtime/cpu/Elementwise.h"
#include "runtime/cpu/Gemm.h"
#include "runtime/cpu/InterpShared.h"
#include "runtime/cpu/Interpreter.h"
#include "runtime/cpu/Mamba3Layer.h"
#include "runtime/cpu/Norm.h"
#include "runtime/cpu/Quant.h"
#include "runtime/cpu/Rope.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <vector>

using namespace hybc;
using namespace hybc::cpu;
using namespace hybc::ir;

namespace {

template <typename T> void matmul(Interpreter<T> &I, const Op &O) {
  const TensorType &A = O.operand(0)->type(), &B = O.operand(1)->type();
  bool TA = O.getInt("ta"), TB = O.getInt("tb");
  int64_t M = TA ? A.inner() : A.outer(), K = TA ? A.outer() : A.inner();
  int64_t N = TB ? B.outer() : B.inner();
  assert(M * N == O.result()->type().numel() && "matmul result size");
  gemm<T>(TA, TB, M, N, K, T(1), I.in(O.operand(0)), A.inner(),
          I.in(O.operand(1)), B.inner(), T(0), I.alloc(O.result()), N);
}

template <typename T> void attention(Interpreter<T> &I, const Op &O) {
  const TensorType &Q = O.operand(0)->type(), &K = O.operand(1)->type();
  AttentionDims D{Q.Shape[0], Q.Shape[1], Q.Shape[2], K.Shape[2], Q.Shape[3]};
  T Scale = T(1) / std::sqrt(static_cast<T>(D.HeadDim));
  attentionForward<T>(D, Scale, I.in(O.operand(0)), I.in(O.operand(1)),
                      I.in(O.operand(2)), I.alloc(O.result(0)),
                      I.alloc(O.result(1)));
}

template <typename T> void mamba3(Interpreter<T> &I, const Op &O) {
  Mamba3Dims D = mamba3DimsOf(O);
  Mamba3LayerParams<T> P = mamba3ParamsOf(I, O);
  auto Saved = std::make_unique<Mamba3LayerSaved<T>>();
  mamba3LayerForward<T>(D, I.in(O.operand(0)), P, Mamba3State<const T>(),
                        I.alloc(O.result()), Mamba3State<T>(), *Saved);
  I.Mamba3Saved[O.operand(0)->id()] = std::move(Saved);
}

template <typename T> void rope(Interpreter<T> &I, const Op &O, bool Bwd) {
  const TensorType &X = O.operand(0)->type();
  int64_t Dims = O.getInt("dims");
  std::vector<T> Cos(X.Shape[1] * Dims / 2), Sin(Cos.size());
  ropeTables<T>(X.Shape[1], Dims, O.getFloat("base"),
                static_cast<RopeTables>(O.getInt("bf16_tables", 0)), Cos.data(),
                Sin.data());
  auto Fn = Bwd ? ropeBackward<T> : ropeForward<T>;
  Fn(X.Shape[0], X.Shape[1], X.Shape[2], X.Shape[3], Dims, Cos.data(),
     Sin.data(), I.in(O.operand(0)), I.alloc(O.result()));
}

} // namespace

template <typename T>
void cpu::ropeOp(Interpreter<T> &I, const Op &O, bool Backward) {
  rope(I, O, Backward);
}

template <typename T>
llvm::Error cpu::execForwardOp(Interpreter<T> &I, const Op &O) {
  auto In = [&](unsigned K) { return I.in(O.operand(K)); };
  const TensorType &X = O.operand(0)->type();
  int64_t Rows = X.outer(), Dim = X.inner(), N = X.numel();
  switch (O.kind()) {
  case OpKind::MatMul:
    matmul(I, O);
    break;
  case OpKind::Add: {
    T *Y = I.alloc(O.result());
    const T *A = In(0), *B = In(1);
#pragma omp parallel for
    for (int64_t K = 0; K < N; ++K)
      Y[K] = A[K] + B[K];
    break;
  }
  case OpKind::Reshape:
    I.alias(O.result(), O.operand(0));
    break;
  case OpKind::Embedding:
    embeddingForward<T>(X.numel(), O.result()->type().inner(),
                        I.ids(O.operand(0)), In(1), I.alloc(O.result()));
    break;
  case OpKind::BigramHash:
    bigramHashForward<T>(X.Shape[0], X.Shape[1], O.result()->type().inner(),
                         O.getInt("buckets"), I.ids(O.operand(0)), In(1),
                         I.alloc(O.result()));
    break;
  case OpKind::SmearGate:
    smearGateForward<T>(X.Shape[0], X.Shape[1], Dim, In(0), In(1),
                        I.alloc(O.result()));
    break;
  case OpKind::RmsNorm: {
    std::vector<T> Rstd(Rows);
    rmsNormForward<T>(Rows, Dim, In(0), static_cast<T>(O.getFloat("eps")),
                      I.alloc(O.result()), Rstd.data());
    break;
  }
  case OpKind::ResidMix:
    residMixForward<T>(Rows, Dim, In(0), In(1), In(2), I.alloc(O.result()));
    break;
  case OpKind::ScaledAdd:
    scaledAddForward<T>(Rows, Dim, In(0),
                        In(2) + std::max<int64_t>(0, O.getInt("row")) * Dim,
                        In(1), I.alloc(O.result()));
    break;
  case OpKind::Rope:
    rope(I, O, /*Bwd=*/false);
    break;
  case OpKind::HeadGain:
    headGainForward<T>(X.Shape[0] * X.Shape[1], X.Shape[2], X.Shape[3], In(0),
                       In(1), I.alloc(O.result()));
    break;
  case OpKind::Silu:
    siluForward<T>(N, In(0), I.alloc(O.result()));
    break;
  case OpKind::Relu2:
    reluSquareForward<T>(N, In(0), I.alloc(O.result()));
    break;
  case OpKind::LeakyRelu2:
    leakyReluSquareForward<T>(N, static_cast<T>(O.getFloat("slope")), In(0),
                              I.alloc(O.result()));
    break;
  case OpKind::Attention:
    attention(I, O);
    break;
  case OpKind::Mamba3:
    mamba3(I, O);
    break;
  case OpKind::FakeQuant:
    fakeQuantRows<T>(Rows, Dim, static_cast<int>(O.getInt("bits")), In(0),
                     I.alloc(O.result()));
    break;
  case OpKind::LmLoss:
    lmLossForward(I, O);
    break;
  default:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("interpreter: op '{0}' has no CPU kernel",
                      opKindName(O.kind()))
            .str());
  }
  return llvm::Error::success();
}

namespace hybc {
namespace cpu {
template llvm::Error execForwardOp<float>(Interpreter<float> &, const Op &);
template llvm::Error execForwardOp<double>(Interpreter<double> &, const Op &);
template void ropeOp<float>(Interpreter<float> &, const Op &, bool);
template void ropeOp<double>(Interpreter<double> &, const Op &, bool);
} // namespace cpu
} // namespace hybc
