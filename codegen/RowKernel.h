//===- codegen/RowKernel.h - One fused row kernel ---------------*- C++ -*-===//
///
/// \file
/// The builder of the kernel of one fusion group (codegen/Fusion.h). Every
/// op of the group works on rows of a common [Rows, Cols] view; a row is
/// held in registers by a group of `kLanes` lanes (`hybc::RowLayout` in the
/// prelude), so fused intermediates never touch memory. The kernel is a
/// grid-stride loop over rows; parameter rows (mix, scale, gate) are loaded
/// once before it; column-reduced parameter gradients (dmix, ds, dg, dgate)
/// are accumulated per lane over the rows, combined per block in a fixed
/// order and written as one partial row per block, which a second kernel
/// (EmitReduce.cpp) sums in block order: deterministic, no atomics.
///
/// The op emitters (EmitElementwise.cpp, EmitNorm.cpp, EmitEmbedding.cpp)
/// write each op's statements through this class. Example, the body of
/// `%6 = rms_norm(%5)` inside the row loop (EmitNorm.cpp):
///
///   std::string X = K.row(O.operand(0), "x");  // loads %5 unless fused
///   std::string SS = K.local("ss");
///   K.body().line("float " + SS + " = 0.0f;");
///   K.loop(SS + " += " + X + "[j] * " + X + "[j];");
///   K.body().line(SS + " = " + K.rowSum(SS) + ";");
///   std::string Y = K.def(O.result());       // stored if materialized
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_ROWKERNEL_H
#define HYBC_CODEGEN_ROWKERNEL_H

#include "codegen/Emitters.h"
#include "codegen/Fusion.h"
#include "codegen/KernelSpec.h"
#include "codegen/SourceWriter.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace hybc {

/// How a row view is spread over threads.
struct RowMapping {
  int64_t Rows = 0, Cols = 0;
  unsigned Lanes = 1; ///< Lanes per row (power of two; > 32: a block).
  unsigned Vec = 1;   ///< Floats per vector load (1, 2 or 4).
  unsigned Threads = 256;
  unsigned GroupsPerBlock = 1;
  unsigned Blocks = 1;
  /// Floats per lane for one row.
  int64_t regs() const;
};

/// Picks the mapping of a row view. RopeHalf (0 = none) forces both
/// columns of every rotated pair into one lane; Reduces caps the grid (the
/// partial rows of column reductions are one per block).
RowMapping chooseRowMapping(RowView V, int64_t RopeHalf, bool Reduces);

/// A column-reduced output of a row kernel, finished by a column-sum kernel.
struct PartialSum {
  const ir::Value *Out = nullptr;
  std::string Name;  ///< Scratch buffer name.
  int64_t Width = 0; ///< Floats per block row.
  int64_t Base = 0;  ///< Offset of the reduced block in Out.
};

class RowKernel {
public:
  RowKernel(const FusionGroup &G, const FusionPlan &F, const EmitContext &C);

  /// The group kernel followed by one column-sum kernel per reduced output.
  llvm::Expected<std::vector<KernelSpec>> emit();

  // ---- For the op emitters (current op only) ----
  const RowMapping &mapping() const { return Map; }
  /// Register array holding V in the current row (loaded when external).
  std::string row(const ir::Value *V, llvm::StringRef Role);
  /// Pointer argument of an external value (neighbour rows, ids, tables).
  std::string input(const ir::Value *V, llvm::StringRef Role);
  /// Register array of row RowIndex of a [*, Cols] parameter, loaded once
  /// before the row loop.
  std::string paramRow(const ir::Value *V, llvm::StringRef Role,
                       int64_t RowIndex);
  /// A new register array for row result V (stored if materialized).
  std::string def(const ir::Value *V);
  /// Per-lane column accumulator for columns [Offset, Offset+Cols) of the
  /// reduced output Out, whose reduced block has Width floats at Base.
  std::string colAcc(const ir::Value *Out, int64_t Offset, int64_t Width,
                     int64_t Base);
  /// Per-head accumulator (lane 0 of each row) of a [Heads] output Out.
  std::string headAcc(const ir::Value *Out, int64_t Heads);
  /// Expression: the sum / max of Expr over the lanes of the row.
  std::string rowSum(llvm::StringRef Expr);
  std::string rowMax(llvm::StringRef Expr);
  /// Named constants: one declaration per (Base, value), named Base<N>.
  std::string constInt(llvm::StringRef Base, int64_t V);
  std::string constFloat(llvm::StringRef Base, double V);
  /// A file-scope declaration (e.g. a __constant__ table) named Base<N>;
  /// Decl uses "@" where the name goes.
  std::string global(llvm::StringRef Base, llvm::StringRef Decl);
  /// A fresh local name.
  std::string local(llvm::StringRef Base);
  /// `#pragma unroll` loop over the lane's registers j (in the row body or
  /// before the loop).
  void loop(llvm::StringRef Stmt) { unrolled(Body, Stmt); }
  void preLoop(llvm::StringRef Stmt) { unrolled(Pre, Stmt); }
  SourceWriter &body() { return Body; }
  SourceWriter &pre() { return Pre; }

private:
  std::string argName(bool Output, llvm::StringRef Role);
  void unrolled(SourceWriter &W, llvm::StringRef Stmt);
  void storeResults(const ir::Op &O);
  std::string assemble(llvm::ArrayRef<KernelArg> Args) const;
  std::string summary() const;

  const FusionGroup &Grp;
  const FusionPlan &Fusion;
  const EmitContext &Ctx;
  RowMapping Map;
  std::vector<KernelArg> Inputs, Outputs;
  llvm::DenseMap<const ir::Value *, std::string> InputArg, Arrays;
  std::map<std::pair<unsigned, int64_t>, std::string> Params;
  struct Acc {
    std::string Var;
    unsigned Partial = 0;
    int64_t Offset = 0;
    int64_t Heads = 0; ///< 0 = column accumulator.
  };
  std::vector<Acc> Accs;
  std::vector<PartialSum> Partials;
  std::vector<std::string> Globals;
  std::map<std::string, unsigned> Counters;
  std::map<std::string, std::string> Consts; ///< "kEps=1e-05f" -> name.
  bool NeedRed = false;
  SourceWriter Pre, Body;
};

/// Emits the statements of one row op into K (defined in the family files).
llvm::Error emitElementwiseRowOp(RowKernel &K, const ir::Op &O);
llvm::Error emitNormRowOp(RowKernel &K, const ir::Op &O);
llvm::Error emitEmbeddingRowOp(RowKernel &K, const ir::Op &O);

/// The column-sum kernel of a partial (EmitReduce.cpp): Out[Base + c] =
/// sum over Blocks of Partial[b * Width + c], zero elsewhere in Out.
KernelSpec emitColumnSum(const PartialSum &P, unsigned Blocks,
                         llvm::ArrayRef<const ir::Op *> Ops,
                         const EmitContext &C);

/// The end of a row kernel with accumulators (EmitReduce.cpp): combines the
/// lane groups of the block in group order and writes one partial row per
/// block. Accs: (accumulator variable, partial name, width, offset, heads).
struct CombineItem {
  std::string Var, Partial;
  int64_t Width = 0, Offset = 0, Heads = 0;
};
void writeBlockCombine(SourceWriter &W, llvm::ArrayRef<CombineItem> Items,
                       int64_t CombineWidth);

} // namespace hybc

#endif // HYBC_CODEGEN_ROWKERNEL_H
