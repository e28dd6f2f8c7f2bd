//===- runtime/train/Metrics.h - One metrics sink, many writers -*- C++ -*-===//
///
/// \file
/// Training events (train step, validation, info) go through one MetricsSink;
/// writers subscribe to it: PG-format log lines on stdout, metrics.jsonl, and
/// later TensorBoard. The trainer never formats output itself.
///
/// Example: Sink.emit(MetricEvent::train(10, 200).num("train_loss", 5.1))
///   -> "step:10/200 train_loss:5.1000 train_time:...ms step_avg:...ms"
///   -> {"event":"train","step":10,"train_loss":5.1,...}
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_METRICS_H
#define HYBC_RUNTIME_TRAIN_METRICS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hybc {

struct MetricField {
  std::string Key;
  enum { Num, Int, Str } K = Num;
  double D = 0;
  int64_t I = 0;
  std::string S;
  int Precision = 4; ///< Decimals in log lines (Num only).
};

struct MetricEvent {
  std::string Kind; ///< "train", "val", "info", "final"
  int64_t Step = 0, Total = 0;
  std::vector<MetricField> Fields;

  static MetricEvent make(llvm::StringRef Kind, int64_t Step, int64_t Total);
  MetricEvent &num(llvm::StringRef Key, double V, int Precision = 4);
  MetricEvent &integer(llvm::StringRef Key, int64_t V);
  MetricEvent &str(llvm::StringRef Key, llvm::StringRef V);
  /// Null if absent.
  const MetricField *get(llvm::StringRef Key) const;
};

class MetricWriter {
public:
  virtual ~MetricWriter();
  virtual void write(const MetricEvent &E) = 0;
  virtual void flush() {}
};

class MetricsSink {
public:
  void subscribe(std::unique_ptr<MetricWriter> W) {
    Writers.push_back(std::move(W));
  }
  void emit(const MetricEvent &E) {
    for (auto &W : Writers)
      W->write(E);
  }
  void flush() {
    for (auto &W : Writers)
      W->flush();
  }

private:
  std::vector<std::unique_ptr<MetricWriter>> Writers;
};

/// PG-format lines: `step:N/M key:value ...` (values with their precision).
std::unique_ptr<MetricWriter> makeLogLineWriter(llvm::raw_ostream &OS);
/// One JSON object per event, appended to Path (flushed per event).
llvm::Expected<std::unique_ptr<MetricWriter>>
makeJsonlWriter(llvm::StringRef Path, bool Append);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_METRICS_H
