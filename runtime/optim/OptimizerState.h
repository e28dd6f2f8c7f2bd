//===- runtime/optim/OptimizerState.h - Checkpointable state ----*- C++ -*-===//
///
/// \file
/// All mutable optimizer state of a model: per parameter its group, shape,
/// Adam step count and buffers (Muon: momentum buffer; Adam: exp_avg and
/// exp_avg_sq), all zero-initialised like PyTorch's lazily created state.
/// serialize() writes a self-describing little-endian blob; deserialize()
/// restores it bit-exactly, so a resumed run makes identical updates.
///
/// Format (v1): "HYBCOPT1" magic (8 bytes), u32 version, i64 StepsTaken,
/// u64 param count, then per param: name, u8 group, i64 rows, i64 cols,
/// i64 Adam step, float array Buf0, float array Buf1.
///
/// Example:
/// \code
///   OptimizerState S;
///   S.addParam("blocks.0.attn.c_q.weight", ParamGroup::MuonMatrix, 512, 512);
///   llvm::SmallVector<char, 0> Bytes;
///   S.serialize(Bytes);
///   llvm::Expected<OptimizerState> R = OptimizerState::deserialize(
///       llvm::StringRef(Bytes.data(), Bytes.size()), "ckpt.opt");
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_OPTIMIZERSTATE_H
#define HYBC_RUNTIME_OPTIM_OPTIMIZERSTATE_H

#include "runtime/optim/ParamView.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace optim {

/// Optimizer state of one parameter.
struct ParamState {
  std::string Name;
  ParamGroup Group = ParamGroup::AdamScalar;
  int64_t Rows = 0;
  int64_t Cols = 0;
  /// Adam updates applied so far (PyTorch `state["step"]`); unused by Muon.
  int64_t AdamStep = 0;
  /// Muon momentum buffer, or Adam exp_avg.
  llvm::SmallVector<float, 0> Buf0;
  /// Adam exp_avg_sq (empty for Muon).
  llvm::SmallVector<float, 0> Buf1;

  int64_t numel() const { return Rows * Cols; }
  bool isMuon() const { return Group == ParamGroup::MuonMatrix; }
};

/// Per-parameter state of a whole model, in registration order.
class OptimizerState {
public:
  /// Registers a parameter with zeroed buffers; returns its index.
  unsigned addParam(llvm::StringRef Name, ParamGroup G, int64_t Rows,
                    int64_t Cols);

  size_t size() const { return Params.size(); }
  ParamState &param(unsigned I) { return Params[I]; }
  const ParamState &param(unsigned I) const { return Params[I]; }
  llvm::ArrayRef<ParamState> params() const { return Params; }

  /// Optimizer steps applied (bookkeeping for the trainer).
  int64_t StepsTaken = 0;

  /// Appends the binary form to \p Out.
  void serialize(llvm::SmallVectorImpl<char> &Out) const;
  /// Parses a blob written by serialize; \p What names it in errors.
  static llvm::Expected<OptimizerState> deserialize(llvm::StringRef Bytes,
                                                    llvm::StringRef What);
  /// Succeeds when \p Other registers the same names, groups and shapes in
  /// the same order; otherwise names the first difference.
  llvm::Error checkSameLayout(const OptimizerState &Other,
                              llvm::StringRef What) const;

private:
  std::vector<ParamState> Params;
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_OPTIMIZERSTATE_H
