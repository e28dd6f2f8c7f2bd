//===- runtime/cpu/InterpShared.h - Helpers shared by executors -*- C++ -*-===//
///
/// \file
/// Decoding of op attributes/operands used by both the forward and the
/// backward executors of the interpreter.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_INTERPSHARED_H
#define HYBC_RUNTIME_CPU_INTERPSHARED_H

#include "runtime/cpu/Interpreter.h"
#include "runtime/cpu/Mamba3Layer.h"

namespace hybc {
namespace cpu {

/// Layer dimensions of a mamba3 (or mamba3_bwd) op. Operand 0 (or 1 for the
/// backward) is the in_proj output w (B, L, DProj).
inline Mamba3Dims mamba3DimsOf(const ir::Op &O) {
  bool Bwd = O.kind() == ir::OpKind::Mamba3Bwd;
  const ir::TensorType &W = O.operand(Bwd ? 1 : 0)->type();
  Mamba3Dims D;
  D.Batch = W.Shape[0];
  D.SeqLen = W.Shape[1];
  D.Heads = O.getInt("nheads");
  D.HeadDim = O.getInt("headdim");
  D.StateDim = O.getInt("dstate");
  D.Groups = O.getInt("ngroups");
  D.NumAngles = O.getInt("angles");
  D.AAct = O.getInt("a_act") ? Mamba3AAct::HeavyTail : Mamba3AAct::Softplus;
  D.AFloor = O.getFloat("a_floor");
  D.NormEps = O.getFloat("eps");
  D.OutProjNorm = O.getInt("has_out_norm") != 0;
  D.ChunkSize = 0; // CPU oracle: sequential form (exact, no chunk effects).
  return D;
}

/// Parameter pointers of a mamba3 op; First is the operand index of dt_bias.
template <typename T>
Mamba3LayerParams<T> mamba3ParamsOf(const Interpreter<T> &I,
                                    const ir::Op &O) {
  unsigned First = O.kind() == ir::OpKind::Mamba3Bwd ? 2 : 1;
  Mamba3LayerParams<T> P;
  P.DtBias = I.in(O.operand(First));
  P.BBias = I.in(O.operand(First + 1));
  P.CBias = I.in(O.operand(First + 2));
  P.BNormW = I.in(O.operand(First + 3));
  P.CNormW = I.in(O.operand(First + 4));
  unsigned Next = First + 5;
  if (O.getInt("has_d"))
    P.D = I.in(O.operand(Next++));
  if (O.getInt("has_out_norm"))
    P.OutNormW = I.in(O.operand(Next++));
  return P;
}

/// lm_loss / lm_loss_bwd (InterpLoss.cpp).
template <typename T> void lmLossForward(Interpreter<T> &I, const ir::Op &O);
template <typename T> void lmLossBackward(Interpreter<T> &I, const ir::Op &O);

/// RoPE forward or backward of a rope / rope_bwd op.
template <typename T>
void ropeOp(Interpreter<T> &I, const ir::Op &O, bool Backward);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_INTERPSHARED_H
