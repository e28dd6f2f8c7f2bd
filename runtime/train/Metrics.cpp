//===- runtime/train/Metrics.cpp - One metrics sink, many writers ---------===//
//
// See Metrics.h.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Metrics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace hybc;

MetricWriter::~MetricWriter() = default;

MetricEvent MetricEvent::make(llvm::StringRef Kind, int64_t Step,
                              int64_t Total) {
  MetricEvent E;
  E.Kind = Kind.str();
  E.Step = Step;
  E.Total = Total;
  return E;
}

MetricEvent &MetricEvent::num(llvm::StringRef Key, double V, int Precision) {
  MetricField F;
  F.Key = Key.str();
  F.K = MetricField::Num;
  F.D = V;
  F.Precision = Precision;
  Fields.push_back(F);
  return *this;
}

MetricEvent &MetricEvent::integer(llvm::StringRef Key, int64_t V) {
  MetricField F;
  F.Key = Key.str();
  F.K = MetricField::Int;
  F.I = V;
  Fields.push_back(F);
  return *this;
}

MetricEvent &MetricEvent::str(llvm::StringRef Key, llvm::StringRef V) {
  MetricField F;
  F.Key = Key.str();
  F.K = MetricField::Str;
  F.S = V.str();
  Fields.push_back(F);
  return *this;
}

const MetricField *MetricEvent::get(llvm::StringRef Key) const {
  for (const MetricField &F : Fields)
    if (F.Key == Key)
      return &F;
  return nullptr;
}

namespace {

class LogLineWriter : public MetricWriter {
public:
  explicit LogLineWriter(llvm::raw_ostream &OS) : OS(OS) {}
  void write(const MetricEvent &E) override {
    bool First = true;
    if (E.Kind == "train" || E.Kind == "val") {
      OS << "step:" << E.Step << "/" << E.Total;
      First = false;
    }
    for (const MetricField &F : E.Fields) {
      OS << (First ? "" : " ") << F.Key << ":";
      First = false;
      if (F.K == MetricField::Str)
        OS << F.S;
      else if (F.K == MetricField::Int)
        OS << F.I;
      else
        OS << llvm::format(("%." + std::to_string(F.Precision) + "f").c_str(),
                           F.D);
    }
    OS << "\n";
    OS.flush();
  }

private:
  llvm::raw_ostream &OS;
};

class JsonlWriter : public MetricWriter {
public:
  explicit JsonlWriter(std::unique_ptr<llvm::raw_fd_ostream> OS)
      : OS(std::move(OS)) {}
  void write(const MetricEvent &E) override {
    llvm::json::Object J;
    J["event"] = E.Kind;
    J["step"] = E.Step;
    for (const MetricField &F : E.Fields) {
      if (F.K == MetricField::Str)
        J[F.Key] = F.S;
      else if (F.K == MetricField::Int)
        J[F.Key] = F.I;
      else
        J[F.Key] = F.D;
    }
    *OS << llvm::formatv("{0}", llvm::json::Value(std::move(J))) << "\n";
    OS->flush();
  }

private:
  std::unique_ptr<llvm::raw_fd_ostream> OS;
};

} // namespace

std::unique_ptr<MetricWriter> hybc::makeLogLineWriter(llvm::raw_ostream &OS) {
  return std::make_unique<LogLineWriter>(OS);
}

llvm::Expected<std::unique_ptr<MetricWriter>>
hybc::makeJsonlWriter(llvm::StringRef Path, bool Append) {
  std::error_code EC;
  auto OS = std::make_unique<llvm::raw_fd_ostream>(
      Path, EC, Append ? llvm::sys::fs::OF_Append : llvm::sys::fs::OF_None);
  if (EC)
    return llvm::createStringError(
        EC, llvm::formatv("cannot open '{0}' for writing: {1} (hint: check "
                          "that --out is writable)",
                          Path, EC.message())
                .str());
  return std::make_unique<JsonlWriter>(std::move(OS));
}
