//===- runtime/train/Checkpoint.h - Save and resume training ----*- C++ -*-===//
///
/// \file
/// A checkpoint holds everything that determines the rest of a run: step,
/// training time, QAT state, data-loader position, parameters, optimizer
/// state and EMA shadows. It is written crash-safe (temp file + rename), so a
/// run killed at any moment leaves either the previous or the new checkpoint.
/// Format: "HYBCCKPT" magic, u32 version, u64 spec hash, a JSON header, the
/// fp32 parameter arena, then length-prefixed optimizer and EMA blobs.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_CHECKPOINT_H
#define HYBC_RUNTIME_TRAIN_CHECKPOINT_H

#include "runtime/data/TokenStream.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

struct CheckpointData {
  uint64_t SpecHash = 0;
  int64_t Step = 0;
  double TrainMs = 0;
  bool QatActive = false;
  data::StreamState Loader;
  std::vector<float> Params;
  llvm::SmallVector<char, 0> Optimizer;
  llvm::SmallVector<char, 0> Ema;
};

/// Writes DIR/checkpoint.bin atomically.
llvm::Error saveCheckpoint(llvm::StringRef Dir, const CheckpointData &C);
/// Reads DIR/checkpoint.bin; errors name the file and give a hint.
llvm::Expected<CheckpointData> loadCheckpoint(llvm::StringRef Dir);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_CHECKPOINT_H
