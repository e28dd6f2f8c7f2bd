//===- runtime/train/Trainer.h - The training loop --------------*- C++ -*-===//
///
/// \file
/// `hybc train`: the Parameter Golf training loop (train_gpt.py semantics)
/// over any Backend: sequential distributed loader, grad accumulation,
/// Muon/Adam groups with the LR multiplier, EMA, late QAT, the depth
/// recurrence switch, validation with exact val_bpb (standard or sliding
/// window), checkpoints and resume, NaN checks, PG-format logs,
/// metrics.jsonl and summary.json.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_TRAINER_H
#define HYBC_RUNTIME_TRAIN_TRAINER_H

#include "codegen/Manifest.h"
#include "ir/Model.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>
#include <vector>

namespace hybc {

struct TrainOptions {
  std::string OutDir = "runs/latest";
  std::string Device = "auto"; ///< auto | cpu | cuda
  std::string ResumeDir;       ///< Continue the run checkpointed there.
  bool Progress = true;        ///< Progress bar on stderr when it is a TTY.
  uint64_t SpecHash = 0;       ///< Hash of the resolved spec text.
  std::string SpecText;        ///< Resolved spec, saved as DIR/spec.hyb.
  /// `--dump-kernels DIR`: called once at the end of the run with every
  /// plan the backend ran and each kernel's loaded resources (the driver
  /// writes them like `hybc compile --emit cu`). Unset: no dump.
  std::function<llvm::Error(llvm::ArrayRef<NamedPlan>,
                            const KernelResourceMap &)>
      DumpKernels;
};

struct TrainSummary {
  double ValBpb = 0, ValLoss = 0, FinalTrainLoss = 0;
  int64_t Steps = 0;
  double TrainTimeMs = 0, StepAvgMs = 0;
  int64_t ParamsTotal = 0;
  std::string Device;
  uint64_t PeakDeviceBytes = 0; ///< Backend-held device memory (GPU only).
  std::vector<double> StepMs;   ///< Wall ms of every step run (`hybc bench`).
};

/// Runs training to the end (iterations or wallclock cap) and writes
/// OutDir/{metrics.jsonl,summary.json[,checkpoint.bin]}.
llvm::Expected<TrainSummary> train(const ir::Model &M, const TrainOptions &O,
                                   llvm::raw_ostream &Log);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_TRAINER_H
