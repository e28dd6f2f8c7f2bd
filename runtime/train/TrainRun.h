//===- runtime/train/TrainRun.h - State of one training run -----*- C++ -*-===//
///
/// \file
/// Internal to runtime/train: everything a run holds (parameters, backend,
/// optimizer, EMA, QAT, data, metrics) and the steps of the loop, split over
/// Trainer.cpp (setup, loop, resume), TrainEval.cpp (validation) and
/// TrainStep.cpp (one optimizer step).
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_TRAINRUN_H
#define HYBC_RUNTIME_TRAIN_TRAINRUN_H

#include "runtime/data/TokenStream.h"
#include "runtime/data/TokenizerLuts.h"
#include "runtime/data/ValSet.h"
#include "runtime/optim/Ema.h"
#include "runtime/optim/LrSchedule.h"
#include "runtime/optim/Optimizer.h"
#include "runtime/optim/Qat.h"
#include "runtime/train/Backend.h"
#include "runtime/train/Metrics.h"
#include "runtime/train/ParamStore.h"
#include "runtime/train/Trainer.h"

#include <memory>
#include <optional>

namespace hybc {

/// Validation result.
struct ValResult {
  double Loss = 0, Bpb = 0;
  double Tokens = 0, Bytes = 0;
};

class TrainRun {
public:
  TrainRun(const ir::Model &M, const TrainOptions &O, llvm::raw_ostream &Log);

  /// Loads data and tokenizer, builds the backend, optimizer, EMA, QAT and
  /// the metrics writers; restores a checkpoint when resuming.
  llvm::Error setup();
  /// The loop; returns the summary.
  llvm::Expected<TrainSummary> run();

  // TrainStep.cpp
  /// One optimizer step (all micro-batches); returns the mean train loss.
  llvm::Expected<double> trainStep(double LrMult);
  /// trainStep on a device-resident backend.
  llvm::Expected<double> trainStepResident(const StepShape &S, double LrMult);
  /// Copies device-resident parameters, optimizer state and EMA to the
  /// host objects (no-op otherwise).
  llvm::Error pullResidentState();
  /// Whether depth recurrence is on at the current step.
  bool recurrenceActive() const;

  // TrainEval.cpp
  /// Evaluates the current weights on the validation set.
  llvm::Expected<ValResult> validate();

private:
  llvm::Error setupData();
  llvm::Error setupBackend();
  llvm::Error setupOptimizer();
  llvm::Error setupOutput();
  llvm::Error resume();
  llvm::Error saveCheckpointNow();
  llvm::Error checkGradients() const;
  llvm::Error logValidation(llvm::StringRef Kind);
  void logTrain(double Loss, bool Force);
  void progress(double Loss, bool Done) const;
  llvm::Error writeSummary(const TrainSummary &S);

public:
  const ir::Model &M;
  const TrainSpec &T;
  const TrainOptions &O;
  llvm::raw_ostream &Log;

  ParamStore Store;
  std::unique_ptr<Backend> B;
  std::unique_ptr<optim::Optimizer> Opt;
  std::unique_ptr<optim::Ema> Ema;
  std::unique_ptr<optim::LateQat> Qat;
  optim::LrScheduleConfig Sched;
  std::optional<data::DistributedLoader> Loader;
  data::ValSet Val;
  data::TokenizerLuts Luts;
  MetricsSink Sink;

  int64_t Step = 0;
  double TrainMs = 0;
  int64_t MicroSeqs = 0; ///< Sequences per micro-batch.
  int64_t EvalLen = 0;   ///< Eval window length.
  ValResult LastVal;
  double LastTrainLoss = 0;
  bool Stopped = false;
  bool Resident = false; ///< Training state lives on the backend's device.
  std::vector<double> StepMs; ///< Wall time of each step of this process.
};

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_TRAINRUN_H
