//===- codegen/Fusion.h - Which ops share a kernel --------------*- C++ -*-===//
///
/// \file
/// The fusion decision pass of the GPU path, run by lowerToKernels before
/// any kernel is emitted. Two kinds of decisions:
///
/// 1. Row fusion. Every op that works row by row over [Rows, Cols] (the
///    element-wise ops, rms_norm, rope, gains, mixes, scaled adds, smear
///    gate, embedding gathers, fake_quant and their backward ops) is a row
///    op. Walking the graph in order, a row op joins the group of a row op
///    whose row result it consumes when both have the same row view, the
///    consumed value is a row value (not a column-reduced parameter
///    gradient) that the op may read in registers (smear_gate reads its
///    neighbour rows, so its input must come from memory), rope pairs fit
///    the lane layout, and the move is legal: the group kernel runs at its
///    last op, so every other consumer of a group value must come after the
///    joining op. A value of a group is written to memory only when
///    something outside the group reads it (or it is the loss or a
///    gradient). Examples: resid_mix -> rms_norm, scaled_add -> rms_norm,
///    rms_norm -> rope -> head_gain (q/k), rms_norm_bwd -> add (gradient
///    accumulation) -> scaled_add_bwd, head_gain_bwd -> rope_bwd ->
///    rms_norm_bwd.
///
/// 2. Accumulating GEMMs. `add(X, M)` where M is a matmul read only by that
///    add and X is read only by it too becomes `C += A*B` into the add's
///    buffer: X's producer writes the add's buffer directly (an alias) and
///    the matmul runs at the add with Accumulate (tied-embedding gradient,
///    q/k/v input gradients, recurrence-shared weight gradients).
///
/// Activations right after a GEMM stay separate row kernels (cuBLASLt has no
/// relu^2 epilogue); they are noted as epilogue candidates.
///
/// Example (tiny hybrid): `%5 = resid_mix(%3, %3, %4)`, `%6 = rms_norm(%5)`
/// form one group at position 6 that writes %5 and %6.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_FUSION_H
#define HYBC_CODEGEN_FUSION_H

#include "ir/Graph.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

/// The [Rows, Cols] view a row op works on.
struct RowView {
  int64_t Rows = 0, Cols = 0;
  bool operator==(const RowView &O) const {
    return Rows == O.Rows && Cols == O.Cols;
  }
};

/// True for ops that a row kernel can execute (see the file comment).
bool isRowOp(ir::OpKind K);
/// True for ops that only combine elements at the same index (their group
/// may be viewed with any row width).
bool isPointwiseOp(ir::OpKind K);
/// The row view of a row op: its first result as [outer, inner].
RowView rowViewOf(const ir::Op &O);
/// True when result R of a row op is a column-reduced parameter gradient
/// (dmix, ds, dg, dgate) rather than a row value.
bool isReduceResult(ir::OpKind K, unsigned R);
/// True when operand I of a row op is read at other rows (smear_gate).
bool isNeighborOperand(ir::OpKind K, unsigned I);
/// Half of the rotated width of a rope/rope_bwd op, 0 for other ops.
int64_t ropeHalf(const ir::Op &O);

/// Ops executed by one row kernel, in graph order.
struct FusionGroup {
  std::vector<const ir::Op *> Ops;
  RowView View;          ///< Possibly re-viewed for point-wise groups.
  unsigned Position = 0; ///< Graph index of the last op: where it runs.
  std::string Reason;    ///< The decisions that built it (HYBC_DEBUG=3).
};

/// add(X, M) lowered to an accumulating GEMM into the add's buffer.
struct GemmAccumulation {
  const ir::Op *Add = nullptr;
  const ir::Op *MatMul = nullptr;  ///< Produces M.
  const ir::Value *Into = nullptr; ///< X: aliased to the add's result.
};

struct FusionOptions {
  bool RowFusion = true;
  bool GemmAccumulate = true;
  unsigned MaxGroupOps = 8;
};

/// The decisions for one graph.
struct FusionPlan {
  std::vector<FusionGroup> Groups; ///< In order of their first op.
  std::vector<GemmAccumulation> Accumulations;
  llvm::DenseMap<const ir::Op *, unsigned> GroupOf;
  llvm::DenseMap<const ir::Op *, unsigned> AccumulationOf; ///< Add/matmul.
  llvm::DenseSet<const ir::Value *> Materialized; ///< Row values written.
  /// Values stored in bf16 (decideBf16Storage; empty = all fp32).
  llvm::DenseSet<const ir::Value *> Bf16;
  /// One line per decision, in graph order, with the op it concerns.
  std::vector<std::pair<const ir::Op *, std::string>> Notes;
};

/// Decides row fusion and accumulating GEMMs for G.
FusionPlan decideFusion(const ir::Graph &G, const FusionOptions &O = {});

} // namespace hybc

#endif // HYBC_CODEGEN_FUSION_H
