//===- compiler/driver/BenchCommand.cpp - `hybc bench` --------------------===//
//
// Times training steps of a spec at its own batch: runs --steps steps (no
// validation during the run, no checkpoints, output in a temporary
// directory that is removed) and prints one line: device, tokens per step,
// the median step time over the steps after --warmup (with min and max),
// tokens per second and the peak device memory. Example:
//
//   $ hybc bench examples/baseline_gpt.hyb --steps 60 --warmup 10
//   bench examples/baseline_gpt.hyb: cuda, 524288 tokens/step, median
//   358.7 ms/step over steps 11..60 (min 358.3, max 359.7), 1461658
//   tokens/s, peak 10458 MiB
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "frontend/Frontend.h"
#include "runtime/train/Trainer.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace hybc;

namespace {

llvm::Error benchError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg.str());
}

llvm::Expected<int64_t> positive(llvm::StringRef Flag, llvm::StringRef Text) {
  int64_t V = 0;
  if (Text.getAsInteger(10, V) || V < 0)
    return benchError(llvm::formatv("{0} '{1}': expected a non-negative "
                                    "integer (hint: {0} 60)",
                                    Flag, Text));
  return V;
}

/// Median, min and max of \p Ms.
void stats(std::vector<double> Ms, double &Med, double &Min, double &Max) {
  std::sort(Ms.begin(), Ms.end());
  size_t N = Ms.size();
  Med = N % 2 ? Ms[N / 2] : 0.5 * (Ms[N / 2 - 1] + Ms[N / 2]);
  Min = Ms.front();
  Max = Ms.back();
}

} // namespace

llvm::Error hybc::runBench(llvm::ArrayRef<llvm::StringRef> Args,
                           llvm::raw_ostream &OS) {
  SpecArgs SA;
  std::vector<llvm::StringRef> Rest;
  if (llvm::Error E = parseSpecArgs(Args, SA, Rest))
    return E;
  std::string StepsText = "60", WarmText = "10", Device = "auto";
  bool Found;
  if (llvm::Error E = takeValue(Rest, "--steps", StepsText, Found))
    return E;
  if (llvm::Error E = takeValue(Rest, "--warmup", WarmText, Found))
    return E;
  if (llvm::Error E = takeValue(Rest, "--device", Device, Found))
    return E;
  if (llvm::Error E = rejectRest("bench", Rest))
    return E;
  auto Steps = positive("--steps", StepsText);
  auto Warm = positive("--warmup", WarmText);
  if (!Steps || !Warm)
    return llvm::joinErrors(Steps.takeError(), Warm.takeError());
  if (*Steps <= *Warm)
    return benchError(llvm::formatv("--steps {0} must exceed --warmup {1} "
                                    "(hint: --steps 60 --warmup 10)",
                                    *Steps, *Warm));
  for (std::string O :
       {llvm::formatv("train.iterations={0}", *Steps).str(),
        std::string("train.val_every=0"), std::string("train.log_every=0"),
        std::string("train.checkpoint_every=0")})
    SA.Overrides.push_back(O);
  auto M = loadModel(SA);
  if (!M)
    return M.takeError();
  // Score one sequence at the end: the trainer always validates last.
  SA.Overrides.push_back(
      llvm::formatv("train.val_tokens={0}", (*M)->S.Train.SeqLen).str());
  M = loadModel(SA);
  if (!M)
    return M.takeError();
  llvm::SmallString<128> Dir;
  if (std::error_code EC =
          llvm::sys::fs::createUniqueDirectory("hybc-bench", Dir))
    return benchError("cannot create a temporary directory: " + EC.message());
  TrainOptions O;
  O.OutDir = Dir.str().str();
  O.Device = Device;
  O.Progress = false;
  auto Sum = train(**M, O, llvm::nulls());
  llvm::sys::fs::remove_directories(Dir);
  if (!Sum)
    return Sum.takeError();
  std::vector<double> Ms(Sum->StepMs.begin() + *Warm, Sum->StepMs.end());
  double Med, Min, Max;
  stats(Ms, Med, Min, Max);
  const int64_t Tokens = (*M)->S.Train.BatchTokens;
  OS << llvm::formatv("bench {0}: {1}, {2} tokens/step, median {3:f1} ms/step "
                      "over steps {4}..{5} (min {6:f1}, max {7:f1}), "
                      "{8:f0} tokens/s",
                      SA.Path, Sum->Device, Tokens, Med, *Warm + 1, *Steps, Min,
                      Max, Tokens / Med * 1000.0);
  if (Sum->PeakDeviceBytes)
    OS << llvm::formatv(", peak {0} MiB", Sum->PeakDeviceBytes >> 20);
  OS << "\n";
  return llvm::Error::success();
}
