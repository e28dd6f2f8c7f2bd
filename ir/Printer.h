//===- ir/Printer.h - Stable textual IR (.hir) ------------------*- C++ -*-===//
///
/// \file
/// Prints models and graphs in the stable `.hir` text form used by
/// `hybc compile --emit hir` and the golden tests. Output depends only on the
/// IR (no pointers, no hash order), so it is byte-stable across runs.
///
/// Example:
///   param @blocks.0.attn.c_q.weight : f32[512,512] group=muon_matrix
///   ...
///   %5 = rms_norm(%4) {eps=1.1920929e-07} : f32[1,8,512]  # v0 blocks.0.attn L7
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_IR_PRINTER_H
#define HYBC_IR_PRINTER_H

#include "ir/Graph.h"
#include "ir/Model.h"

#include "llvm/Support/raw_ostream.h"

namespace hybc {
namespace ir {

/// Parameter table: name, type, optimizer group, quant class, init.
void printParams(const Model &M, llvm::raw_ostream &OS);
/// Virtual layer table of one schedule.
void printSchedule(const Model &M, const VirtualSchedule &S,
                   llvm::raw_ostream &OS);
/// Every op of a graph, one per line, then the parameter gradients.
void printGraph(const Graph &G, llvm::raw_ostream &OS);

} // namespace ir
} // namespace hybc

#endif // HYBC_IR_PRINTER_H
