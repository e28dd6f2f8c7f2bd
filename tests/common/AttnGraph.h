//===- tests/common/AttnGraph.h - An attention op pair for tests -*- C++ -*-===//
///
/// \file
/// A graph holding attention(q, k, v) and its attention_bwd at one shape,
/// and the set of its tensors that a bf16 mask (AttnBit) selects. Shared by
/// the emitter tests (tests/codegen) and the GPU parity and timing tests
/// (tests/gpu).
///
/// Example:
///   AttnGraph A(2, 1024, 8, 4, 64);
///   llvm::DenseSet<const ir::Value *> Set = bf16Set(A, BQ | BK | BV);
///   EmitContext C{"m.hyb"};
///   C.Bf16 = &Set;
///   auto F = emitAttentionForward(*A.Fwd, C);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_COMMON_ATTNGRAPH_H
#define HYBC_TESTS_COMMON_ATTNGRAPH_H

#include "ir/Graph.h"

#include "llvm/ADT/DenseSet.h"

#include <cstdint>

namespace hybc {
namespace test {

struct AttnGraph {
  ir::Graph G;
  ir::Op *Fwd = nullptr, *Bwd = nullptr;
  AttnGraph(int64_t B, int64_t T, int64_t Hq, int64_t Hkv, int64_t D) {
    using namespace ir;
    G.input("ids", TensorType(DType::I32, {B, T})); // value 0 is never ours
    G.Ctx.SpecLine = 7;
    TensorType QT(DType::F32, {B, T, Hq, D}), KT(DType::F32, {B, T, Hkv, D});
    Value *Q = G.input("q", QT), *K = G.input("k", KT), *V = G.input("v", KT);
    Fwd = G.create(OpKind::Attention, {Q, K, V},
                   {QT, TensorType(DType::F32, {B, Hq, T})});
    Value *DO = G.input("do", QT);
    Bwd = G.create(OpKind::AttentionBwd,
                   {DO, Q, K, V, Fwd->result(0), Fwd->result(1)}, {QT, KT, KT});
  }
  ir::Value *q() const { return Fwd->operand(0); }
  ir::Value *k() const { return Fwd->operand(1); }
  ir::Value *v() const { return Fwd->operand(2); }
  ir::Value *dout() const { return Bwd->operand(0); }
};

/// One bit per tensor that may be stored in bf16 (lse is always fp32).
enum AttnBit : unsigned {
  BQ = 1,
  BK = 2,
  BV = 4,
  BO = 8,
  BDo = 16,
  BDq = 32,
  BDk = 64,
  BDv = 128
};

/// The values of \p A's tensors picked by \p Bits, in AttnBit order.
inline llvm::DenseSet<const ir::Value *> bf16Set(const AttnGraph &A,
                                                 unsigned Bits) {
  const ir::Value *Vs[] = {A.q(),          A.k(),          A.v(),
                           A.Fwd->result(0), A.dout(),     A.Bwd->result(0),
                           A.Bwd->result(1), A.Bwd->result(2)};
  llvm::DenseSet<const ir::Value *> S;
  for (unsigned I = 0; I < 8; ++I)
    if (Bits & (1u << I))
      S.insert(Vs[I]);
  return S;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_COMMON_ATTNGRAPH_H
