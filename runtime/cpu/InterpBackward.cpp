//===- runtime/cpu/InterpBackward.cpp - Backward ops on the CPU -----------===//
//
// One case per `*_bwd` op kind of ir/Ops.def, each a call into the matching
// reference backward kernel.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Activation.h"
#include "runtime/cpu/Attention.h"
#include "runtime/cpu/Elementwise.h"
#include "runtime/cpu/Embedding.h"
#include "runtime/cpu/InterpShared.h"
#include "runtime/cpu/Interpreter.h"
#include "runtime/cpu/Mamba3Layer.h"
#include "runtime/cpu/Norm.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <vector>

using namespace hybc;
using namespace hybc::cpu;
using namespace hybc::ir;

namespace {

template <typename T> void attentionBwd(Interpreter<T> &I, const Op &O) {
  const TensorType &Q = O.operand(1)->type(), &K = O.operand(2)->type();
  AttentionDims D{Q.Shape[0], Q.Shape[1], Q.Shape[2], K.Shape[2], Q.Shape[3]};
  T Scale = T(1) / std::sqrt(static_cast<T>(D.HeadDim));
  attentionBackward<T>(D, Scale, I.in(O.operand(1)), I.in(O.operand(2)),
                       I.in(O.operand(3)), I.in(O.operand(4)),
                       I.in(O.operand(5)), I.in(O.operand(0)),
                       I.alloc(O.result(0)), I.alloc(O.result(1)),
                       I.alloc(O.result(2)));
}

template <typename T> void mamba3Bwd(Interpreter<T> &I, const Op &O) {
  Mamba3Dims D = mamba3DimsOf(O);
  Mamba3LayerParams<T> P = mamba3ParamsOf(I, O);
  const T *W = I.in(O.operand(1));
  auto It = I.Mamba3Saved.find(O.operand(1)->id());
  std::unique_ptr<Mamba3LayerSaved<T>> Fresh;
  const Mamba3LayerSaved<T> *Saved = nullptr;
  if (It != I.Mamba3Saved.end()) {
    Saved = It->second.get();
  } else { // Recompute the forward state (e.g. the forward ran elsewhere).
    Fresh = std::make_unique<Mamba3LayerSaved<T>>();
    std::vector<T> Scratch(D.Batch * D.SeqLen * D.innerDim());
    mamba3LayerForward<T>(D, W, P, Mamba3State<const T>(), Scratch.data(),
                          Mamba3State<T>(), *Fresh);
    Saved = Fresh.get();
  }
  Mamba3LayerParamGrads<T> G;
  unsigned R = 1;
  G.DtBias = I.alloc(O.result(R++));
  G.BBias = I.alloc(O.result(R++));
  G.CBias = I.alloc(O.result(R++));
  G.BNormW = I.alloc(O.result(R++));
  G.CNormW = I.alloc(O.result(R++));
  if (O.getInt("has_d"))
    G.D = I.alloc(O.result(R++));
  if (O.getInt("has_out_norm"))
    G.OutNormW = I.alloc(O.result(R++));
  mamba3LayerBackward<T>(D, W, P, Mamba3State<const T>(), *Saved,
                         I.in(O.operand(0)), I.alloc(O.result(0)), G);
}

template <typename T> void rmsNormBwd(Interpreter<T> &I, const Op &O) {
  const TensorType &X = O.operand(1)->type();
  int64_t Rows = X.outer(), Dim = X.inner();
  std::vector<T> Y(X.numel()), Rstd(Rows);
  rmsNormForward<T>(Rows, Dim, I.in(O.operand(1)),
                    static_cast<T>(O.getFloat("eps")), Y.data(), Rstd.data());
  rmsNormBackward<T>(Rows, Dim, I.in(O.operand(1)), Rstd.data(),
                     I.in(O.operand(0)), I.alloc(O.result()));
}

} // namespace

template <typename T>
llvm::Error cpu::execBackwardOp(Interpreter<T> &I, const Op &O) {
  auto In = [&](unsigned K) { return I.in(O.operand(K)); };
  auto Out = [&](unsigned K) { return I.alloc(O.result(K)); };
  const TensorType &DY = O.operand(0)->type();
  int64_t Rows = DY.outer(), Dim = DY.inner(), N = DY.numel();
  switch (O.kind()) {
  case OpKind::EmbeddingBwd: {
    const TensorType &W = O.result()->type();
    embeddingBackward<T>(Rows, Dim, W.Shape[0], I.ids(O.operand(1)), In(0),
                         Out(0));
    break;
  }
  case OpKind::BigramHashBwd:
    bigramHashBackward<T>(DY.Shape[0], DY.Shape[1], Dim, O.getInt("buckets"),
                          I.ids(O.operand(1)), In(0), Out(0));
    break;
  case OpKind::SmearGateBwd:
    smearGateBackward<T>(DY.Shape[0], DY.Shape[1], Dim, In(1), In(2), In(0),
                         Out(0), Out(1));
    break;
  case OpKind::RmsNormBwd:
    rmsNormBwd(I, O);
    break;
  case OpKind::ResidMixBwd:
    residMixBackward<T>(Rows, Dim, In(1), In(2), In(3), In(0), Out(0), Out(1),
                        Out(2));
    break;
  case OpKind::ScaledAddBwd: {
    int64_t Row = std::max<int64_t>(0, O.getInt("row"));
    T *DS = Out(1); // zero-filled: only the used row gets a gradient
    scaledAddBackward<T>(Rows, Dim, In(2) + Row * Dim, In(1), In(0), Out(0),
                         DS + Row * Dim);
    break;
  }
  case OpKind::RopeBwd:
    ropeOp(I, O, /*Backward=*/true);
    break;
  case OpKind::HeadGainBwd:
    headGainBackward<T>(DY.Shape[0] * DY.Shape[1], DY.Shape[2], DY.Shape[3],
                        In(1), In(2), In(0), Out(0), Out(1));
    break;
  case OpKind::SiluBwd:
    siluBackward<T>(N, In(1), In(0), Out(0));
    break;
  case OpKind::Relu2Bwd:
    reluSquareBackward<T>(N, In(1), In(0), Out(0));
    break;
  case OpKind::LeakyRelu2Bwd:
    leakyReluSquareBackward<T>(N, static_cast<T>(O.getFloat("slope")), In(1),
                               In(0), Out(0));
    break;
  case OpKind::AttentionBwd:
    attentionBwd(I, O);
    break;
  case OpKind::Mamba3Bwd:
    mamba3Bwd(I, O);
    break;
  case OpKind::LmLossBwd:
    lmLossBackward(I, O);
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
template llvm::Error execBackwardOp<float>(Interpreter<float> &, const Op &);
template llvm::Error execBackwardOp<double>(Interpreter<double> &,
                                            const Op &);
} // namespace cpu
} // namespace hybc
