//===- tests/codegen/CodegenTestUtil.h - Shared codegen test setup -*- C++
//-*-===//
///
/// \file
/// The mini hybrid spec (tests/codegen/golden/hybrid_mini.hyb), its
/// training-step graphs, placeholder attention / Mamba-3 emitters (so the
/// row, loss and embedding families are tested on their own, independent of
/// the other emitters' progress) and a structural plan checker.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_CODEGEN_CODEGENTESTUTIL_H
#define HYBC_TESTS_CODEGEN_CODEGENTESTUTIL_H

#include "codegen/Lowering.h"
#include "codegen/Plan.h"
#include "compiler/passes/Passes.h"
#include "ir/Graph.h"
#include "ir/Model.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace hybc {
namespace test {

/// Path of a file under the source tree.
std::string sourcePath(llvm::StringRef Rel);

/// The mini hybrid model (fails the test on a spec error).
std::unique_ptr<ir::Model> miniModel();

/// Training-step graph (forward + backward) of the mini model, built as
/// `hybc compile` does (B = batch_tokens / (grad_accum * seq_len)).
std::unique_ptr<ir::Graph> stepGraph(const ir::Model &M, bool Recurrence,
                                     bool Qat);

/// A hand-built graph of row ops at shapes the mini model does not reach:
/// rows wider than 1024 (one block per row: rms_norm, rms_norm_bwd,
/// fake_quant) and column reductions over several blocks (scaled_add_bwd
/// with a row index, resid_mix_bwd, head_gain_bwd, smear_gate_bwd). Its
/// parameters (inputs of the ops) are owned by Params.
std::unique_ptr<ir::Graph>
extrasGraph(std::vector<std::unique_ptr<ir::Param>> &Params);

/// Lowering options whose attention / Mamba-3 emitters return one
/// placeholder kernel per op (all operands in, all results out).
LoweringOptions placeholderEmitters();

/// Empty when P is well formed: every step reads only buffers written
/// earlier (through aliases), bindings match the kernel args, every
/// gradient and the loss are written, scratch args are declared. Otherwise
/// the first problem found.
std::string checkPlan(const ir::Graph &G, const Plan &P);

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_CODEGEN_CODEGENTESTUTIL_H
