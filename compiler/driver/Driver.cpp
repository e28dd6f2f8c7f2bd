//===- compiler/driver/Driver.cpp - hybc subcommand dispatch --------------===//
//
// Usage text, subcommand dispatch and the small shared argument helpers.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "frontend/Frontend.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"

using namespace hybc;

static const char Usage[] =
    R"(hybc - JIT kernel-generation compiler and trainer for hybrid
Mamba-3 / attention language models

usage: hybc <command> [options]

commands:
  check SPEC [--json] [--set k=v ...]
      validate a .hyb spec, print the resolved spec (every default filled
      in), the physical and virtual layer tables and parameter counts
  compile SPEC --emit hir|cu|ptx|cubin [-o DIR] [--set k=v ...]
      write the IR of the training step (forward + backward), or every
      generated CUDA kernel (DIR/<kernel>.cu + DIR/manifest.json), to DIR
  train SPEC [--out DIR] [--device cpu|cuda] [--resume DIR] [--set k=v ...]
        [--dump-kernels DIR] [--override-kernels DIR] [--no-progress]
      train the model, log PG-format lines, write metrics.jsonl/summary.json;
      --dump-kernels writes every kernel run (+ registers/spills) to DIR,
      --override-kernels loads DIR/<kernel>.cu in place of generated code
  bench SPEC [--steps N] [--warmup W] [--device auto|cpu|cuda] [--set k=v ...]
      time N training steps at the spec's batch (defaults 60 and 10): median
      step time after the warm-up, tokens/s, peak device memory
  data encode|train-tokenizer ...
      build token shards / a SentencePiece BPE model (see `hybc data --help`)
  help | --help      this text
  version | --version

Every spec field can be overridden with --set path=value, e.g.
  --set train.iterations=100 --set model.d_model=256
Exit codes: 0 success, 1 error (a one-line `hybc: error:` message).
)";

llvm::Error hybc::parseSpecArgs(llvm::ArrayRef<llvm::StringRef> Args,
                                SpecArgs &Out,
                                std::vector<llvm::StringRef> &Rest) {
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef A = Args[I];
    if (A == "--set") {
      if (I + 1 >= Args.size())
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "--set needs a value: --set path=value");
      Out.Overrides.push_back(Args[++I].str());
    } else if (A.startswith("--set=")) {
      Out.Overrides.push_back(A.drop_front(6).str());
    } else if (!A.startswith("-") && Out.Path.empty()) {
      Out.Path = A.str();
    } else {
      Rest.push_back(A);
    }
  }
  if (Out.Path.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no spec file given (hint: hybc check "
                                   "examples/tiny.hyb)");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<ir::Model>>
hybc::loadModel(const SpecArgs &SA) {
  auto S = loadSpec(SA.Path, SA.Overrides, llvm::errs());
  if (!S)
    return S.takeError();
  return ir::buildModel(*S);
}

llvm::Error hybc::takeValue(std::vector<llvm::StringRef> &Rest,
                            llvm::StringRef Flag, std::string &Value,
                            bool &Found) {
  Found = false;
  for (size_t I = 0; I < Rest.size(); ++I) {
    llvm::StringRef A = Rest[I];
    if (A.startswith(Flag) && A.size() > Flag.size() && A[Flag.size()] == '=') {
      Value = A.drop_front(Flag.size() + 1).str();
      Rest.erase(Rest.begin() + I);
      Found = true;
      return llvm::Error::success();
    }
    if (A != Flag)
      continue;
    if (I + 1 >= Rest.size() || Rest[I + 1].startswith("--"))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("option {0} needs a value", Flag).str());
    Value = Rest[I + 1].str();
    Rest.erase(Rest.begin() + I, Rest.begin() + I + 2);
    Found = true;
    return llvm::Error::success();
  }
  return llvm::Error::success();
}

bool hybc::takeFlag(std::vector<llvm::StringRef> &Rest, llvm::StringRef Flag) {
  for (size_t I = 0; I < Rest.size(); ++I)
    if (Rest[I] == Flag) {
      Rest.erase(Rest.begin() + I);
      return true;
    }
  return false;
}

llvm::Error hybc::rejectRest(llvm::StringRef Cmd,
                             const std::vector<llvm::StringRef> &Rest) {
  if (Rest.empty())
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("{0}: unknown argument '{1}' (hint: hybc --help)", Cmd,
                    Rest.front())
          .str());
}

extern llvm::Error runDataCommandDriver(llvm::ArrayRef<llvm::StringRef> Args,
                                        llvm::raw_ostream &OS);

int hybc::runDriver(llvm::ArrayRef<llvm::StringRef> Args) {
  if (Args.empty() || Args[0] == "help" || Args[0] == "--help" ||
      Args[0] == "-h") {
    llvm::outs() << Usage;
    return Args.empty() ? 1 : 0;
  }
  llvm::StringRef Cmd = Args[0];
  llvm::ArrayRef<llvm::StringRef> Rest = Args.drop_front();
  llvm::Error E = llvm::Error::success();
  if (Cmd == "version" || Cmd == "--version") {
    llvm::outs() << "hybc 0.1.0\n";
    return 0;
  } else if (Cmd == "check") {
    E = runCheck(Rest, llvm::outs());
  } else if (Cmd == "compile") {
    E = runCompile(Rest, llvm::outs());
  } else if (Cmd == "train") {
    E = runTrain(Rest, llvm::outs());
  } else if (Cmd == "bench") {
    E = runBench(Rest, llvm::outs());
  } else if (Cmd == "data") {
    E = runDataCommandDriver(Rest, llvm::outs());
  } else {
    E = llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("unknown command '{0}' (hint: hybc --help)", Cmd).str());
  }
  if (!E)
    return 0;
  llvm::outs().flush();
  llvm::handleAllErrors(std::move(E), [](const llvm::ErrorInfoBase &EI) {
    llvm::WithColor::error(llvm::errs(), "hybc") << EI.message() << "\n";
  });
  return 1;
}
