//===- runtime/train/Trainer.cpp - Setup, the loop, resume ----------------===//
//
// The loop follows train_gpt.py: validate at step 0, every val_every steps
// and at the last step (timer paused); train; log; stop at the iteration
// count or the wallclock cap; final validation (EMA weights if enabled).
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Checkpoint.h"
#include "runtime/train/TrainRun.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "runtime/data/AtomicFile.h"

#include <chrono>
#include <cmath>
#include <unistd.h>

using namespace hybc;
using namespace hybc::ir;

static llvm::Error err(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg.str());
}

TrainRun::TrainRun(const Model &M, const TrainOptions &O,
                   llvm::raw_ostream &Log)
    : M(M), T(M.S.Train), O(O), Log(Log), Store(M.Params) {}

llvm::Error TrainRun::setupOutput() {
  if (std::error_code EC = llvm::sys::fs::create_directories(O.OutDir))
    return err(llvm::formatv("cannot create output directory '{0}': {1} "
                             "(hint: choose a writable --out)",
                             O.OutDir, EC.message()));
  llvm::SmallString<256> Probe(O.OutDir);
  llvm::sys::path::append(Probe, "spec.hyb");
  if (llvm::Error E = data::writeFileAtomic(Probe, O.SpecText))
    return E;
  llvm::SmallString<256> Jsonl(O.OutDir);
  llvm::sys::path::append(Jsonl, "metrics.jsonl");
  auto W = makeJsonlWriter(Jsonl, /*Append=*/!O.ResumeDir.empty());
  if (!W)
    return W.takeError();
  Sink.subscribe(makeLogLineWriter(Log));
  Sink.subscribe(std::move(*W));
  return llvm::Error::success();
}

llvm::Error TrainRun::setup() {
  if (O.Device != "auto" && O.Device != "cpu" && O.Device != "cuda")
    return err(llvm::formatv("unknown --device '{0}' (hint: cpu or cuda)",
                             O.Device));
  if (T.BatchTokens % (T.GradAccum * T.SeqLen) != 0)
    return err(llvm::formatv("train.batch_tokens {0} is not a multiple of "
                             "grad_accum*seq_len = {1}",
                             T.BatchTokens, T.GradAccum * T.SeqLen));
  MicroSeqs = T.BatchTokens / (T.GradAccum * T.SeqLen);
  EvalLen = T.EvalSeqLen > 0 ? T.EvalSeqLen : T.SeqLen;
  if (llvm::Error E = setupData())
    return E;
  if (llvm::Error E = setupOutput())
    return E;
  Store.initialize(T.Seed);
  if (llvm::Error E = setupBackend())
    return E;
  if (O.DumpKernels && B->name() == "cpu")
    return err("--dump-kernels: this run uses the CPU backend, which runs "
               "no generated kernels (hint: --device cuda on a GPU machine, "
               "or `hybc compile SPEC --emit cu -o DIR` anywhere)");
  if (llvm::Error E = setupOptimizer())
    return E;
  if (!O.ResumeDir.empty())
    if (llvm::Error E = resume())
      return E;
  if (B->supportsResident()) {
    if (llvm::Error E = B->startResident(Store, *Opt, Ema.get()))
      return E;
    Resident = true;
  }
  return llvm::Error::success();
}

llvm::Error TrainRun::setupBackend() {
  double Scale = 1.0 / static_cast<double>(T.GradAccum);
  if (O.Device != "cpu") {
    auto G = makeGpuBackend(M, Scale);
    if (G) {
      B = std::move(*G);
      return llvm::Error::success();
    }
    if (O.Device == "cuda")
      return err(llvm::formatv("--device cuda: {0} (hint: --device cpu)",
                               llvm::toString(G.takeError())));
    Sink.emit(MetricEvent::make("info", 0, T.Iterations)
                  .str("device_note", llvm::toString(G.takeError())));
  }
  B = makeCpuBackend(M, Scale);
  return llvm::Error::success();
}

llvm::Error TrainRun::setupData() {
  const DataSpec &D = M.S.Data;
  auto L = data::loadTokenizerLuts(D.Tokenizer,
                                   static_cast<unsigned>(M.S.Model.Vocab));
  if (!L)
    return L.takeError();
  Luts = std::move(*L);
  if (llvm::Error E = data::checkVocabMatch(D.Tokenizer, Luts.TokenizerVocab,
                                            M.S.Model.Vocab))
    return E;
  auto Ld = data::DistributedLoader::open(D.TrainGlob, 0, 1);
  if (!Ld)
    return Ld.takeError();
  Loader.emplace(std::move(*Ld));
  auto V = data::loadValSet(D.ValGlob, static_cast<unsigned>(EvalLen),
                            static_cast<uint64_t>(T.ValTokens));
  if (!V)
    return V.takeError();
  Val = std::move(*V);
  if (Val.numTargets() == 0)
    return err(llvm::formatv("validation set '{0}' has fewer than {1} "
                             "tokens (hint: lower train.seq_len)",
                             D.ValGlob, EvalLen + 1));
  return llvm::Error::success();
}

llvm::Error TrainRun::resume() {
  auto C = loadCheckpoint(O.ResumeDir);
  if (!C)
    return C.takeError();
  if (C->SpecHash != O.SpecHash)
    return err(llvm::formatv("checkpoint in '{0}' was written for a "
                             "different spec (hint: resume with the same "
                             "spec file and --set overrides)",
                             O.ResumeDir));
  if (C->Params.size() != Store.values().size())
    return err("checkpoint parameter count does not match the model");
  Store.values() = C->Params;
  if (llvm::Error E = Opt->restore(
          llvm::StringRef(C->Optimizer.data(), C->Optimizer.size()),
          "checkpoint"))
    return E;
  if (Ema && !C->Ema.empty())
    if (llvm::Error E =
            Ema->restore(llvm::StringRef(C->Ema.data(), C->Ema.size()),
                         "checkpoint"))
      return E;
  if (llvm::Error E = Loader->restore(C->Loader))
    return E;
  Step = C->Step;
  TrainMs = C->TrainMs;
  Qat->setActive(C->QatActive);
  Sink.emit(MetricEvent::make("info", Step, T.Iterations)
                .str("resumed_from", O.ResumeDir)
                .integer("step", Step));
  return llvm::Error::success();
}

llvm::Error TrainRun::saveCheckpointNow() {
  if (llvm::Error E = pullResidentState())
    return E;
  CheckpointData C;
  C.SpecHash = O.SpecHash;
  C.Step = Step;
  C.TrainMs = TrainMs;
  C.QatActive = Qat->active();
  C.Loader = Loader->state();
  C.Params = Store.values();
  Opt->state().serialize(C.Optimizer);
  if (Ema)
    Ema->serialize(C.Ema);
  return saveCheckpoint(O.OutDir, C);
}

llvm::Error TrainRun::logValidation(llvm::StringRef Kind) {
  auto V = validate();
  if (!V)
    return V.takeError();
  LastVal = *V;
  MetricEvent E = MetricEvent::make(Kind, Step, T.Iterations);
  E.num("val_loss", V->Loss).num("val_bpb", V->Bpb);
  E.num("train_time", TrainMs, 0).num("step_avg", TrainMs / std::max<int64_t>(Step, 1), 2);
  Sink.emit(E);
  return llvm::Error::success();
}

void TrainRun::logTrain(double Loss, bool Force) {
  if (!Force && Step > 10 && (T.LogEvery <= 0 || Step % T.LogEvery != 0))
    return;
  Sink.emit(MetricEvent::make("train", Step, T.Iterations)
                .num("train_loss", Loss)
                .num("train_time", TrainMs, 0)
                .num("step_avg", TrainMs / std::max<int64_t>(Step, 1), 2));
}

void TrainRun::progress(double Loss, bool Done) const {
  if (!O.Progress || !isatty(2))
    return;
  int Width = 30;
  int64_t Total = std::max<int64_t>(T.Iterations, 1);
  int Fill = static_cast<int>(Width * std::min<int64_t>(Step, Total) / Total);
  std::string Bar(Fill, '#');
  Bar.append(Width - Fill, '.');
  llvm::errs() << llvm::formatv("\r  [{0}] {1}/{2} loss {3:f3} {4:f1} ms/step",
                                Bar, Step, T.Iterations, Loss,
                                TrainMs / std::max<int64_t>(Step, 1));
  if (Done)
    llvm::errs() << "\r" << std::string(Width + 50, ' ') << "\r";
}

llvm::Expected<TrainSummary> TrainRun::run() {
  using Clock = std::chrono::steady_clock;
  Sink.emit(MetricEvent::make("info", Step, T.Iterations)
                .integer("model_params", M.Params.totalNumel())
                .str("device", B->name())
                .integer("train_batch_tokens", T.BatchTokens)
                .integer("grad_accum", T.GradAccum)
                .integer("seq_len", T.SeqLen)
                .integer("val_tokens", static_cast<int64_t>(Val.numTargets())));
  double CapMs = T.WallclockSeconds * 1000.0;
  while (true) {
    bool Last = Step >= T.Iterations || Stopped;
    if (Last || (T.ValEvery > 0 && Step % T.ValEvery == 0))
      if (llvm::Error E = logValidation("val"))
        return E;
    if (Last)
      break;
    auto Start = Clock::now();
    double Mult = optim::lrMultiplier(Step, TrainMs, Sched);
    auto Loss = trainStep(Mult);
    if (!Loss)
      return Loss.takeError();
    LastTrainLoss = *Loss;
    ++Step;
    double Ms =
        std::chrono::duration<double, std::milli>(Clock::now() - Start).count();
    TrainMs += Ms;
    StepMs.push_back(Ms);
    Stopped = CapMs > 0 && TrainMs >= CapMs;
    logTrain(*Loss, Stopped || Step == T.Iterations);
    progress(*Loss, false);
    if (T.CheckpointEvery > 0 && Step % T.CheckpointEvery == 0 &&
        Step < T.Iterations && !Stopped)
      if (llvm::Error E = saveCheckpointNow())
        return E;
  }
  progress(LastTrainLoss, true);
  if (Stopped)
    Sink.emit(MetricEvent::make("info", Step, T.Iterations)
                  .str("stopping_early", "wallclock_cap"));
  if (llvm::Error E = pullResidentState())
    return E;
  if (Ema) {
    std::vector<float *> Ptrs;
    for (const auto &P : M.Params)
      Ptrs.push_back(Store.data(*P));
    Ema->copyTo(Ptrs);
    if (Resident)
      if (llvm::Error E = B->uploadParams(Store))
        return E;
    if (llvm::Error E = logValidation("final_ema"))
      return E;
  }
  if (O.DumpKernels) {
    std::vector<NamedPlan> Plans;
    KernelResourceMap Res;
    B->kernelPlans(Plans, Res);
    if (llvm::Error E = O.DumpKernels(Plans, Res))
      return E;
  }
  if (uint64_t Peak = B->peakDeviceBytes())
    Sink.emit(MetricEvent::make("info", Step, T.Iterations)
                  .integer("peak_memory_allocated_mib",
                           static_cast<int64_t>(Peak >> 20)));
  TrainSummary S;
  S.PeakDeviceBytes = B->peakDeviceBytes();
  S.ValBpb = LastVal.Bpb;
  S.ValLoss = LastVal.Loss;
  S.FinalTrainLoss = LastTrainLoss;
  S.Steps = Step;
  S.TrainTimeMs = TrainMs;
  S.StepAvgMs = TrainMs / std::max<int64_t>(Step, 1);
  S.StepMs = StepMs;
  S.ParamsTotal = M.Params.totalNumel();
  S.Device = B->name().str();
  if (llvm::Error E = writeSummary(S))
    return E;
  Sink.flush();
  return S;
}

llvm::Error TrainRun::writeSummary(const TrainSummary &S) {
  llvm::json::Object J;
  J["val_bpb"] = S.ValBpb;
  J["val_loss"] = S.ValLoss;
  J["final_train_loss"] = S.FinalTrainLoss;
  J["steps"] = S.Steps;
  J["train_time_ms"] = S.TrainTimeMs;
  J["step_avg_ms"] = S.StepAvgMs;
  J["params_total"] = S.ParamsTotal;
  J["device"] = S.Device;
  J["spec"] = M.S.Path;
  J["val_tokens"] = LastVal.Tokens;
  J["val_bytes"] = LastVal.Bytes;
  J["train_tokens"] = static_cast<int64_t>(S.Steps * T.BatchTokens);
  J["ema"] = Ema != nullptr;
  if (S.PeakDeviceBytes)
    J["peak_memory_allocated_mib"] = static_cast<int64_t>(S.PeakDeviceBytes >> 20);
  llvm::SmallString<256> Path(O.OutDir);
  llvm::sys::path::append(Path, "summary.json");
  std::string Text =
      llvm::formatv("{0:2}", llvm::json::Value(std::move(J))).str() + "\n";
  return data::writeFileAtomic(Path, Text);
}

llvm::Expected<TrainSummary> hybc::train(const Model &M, const TrainOptions &O,
                                         llvm::raw_ostream &Log) {
  TrainRun R(M, O, Log);
  if (llvm::Error E = R.setup())
    return E;
  return R.run();
}
