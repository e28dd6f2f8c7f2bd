//===- compiler/driver/CompileCommand.cpp - `hybc compile` ----------------===//
//
// Runs the compiler pipeline without training and writes the requested
// stage (`--emit hir`) to a directory (or stdout without -o).
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "compiler/passes/Passes.h"
#include "frontend/Frontend.h"
#include "ir/Printer.h"
#include "runtime/data/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace hybc;
using namespace hybc::ir;

namespace {

/// The whole training-step IR (forward + backward) of one schedule.
llvm::Expected<std::string> stepIr(const Model &M, bool Recurrence) {
  const TrainSpec &T = M.S.Train;
  ForwardOptions O;
  O.Time = T.SeqLen;
  O.Batch = std::max<int64_t>(1, T.BatchTokens / (T.GradAccum * T.SeqLen));
  O.RecurrenceActive = Recurrence;
  auto G = buildForward(M, O);
  if (llvm::Error E = autodiff(*G, 1.0 / static_cast<double>(T.GradAccum)))
    return E;
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << "# hybc IR of " << M.S.Path << " (recurrence "
     << (Recurrence ? "on" : "off") << ")\n";
  printParams(M, OS);
  printSchedule(M, unrollRecurrence(M, Recurrence), OS);
  printGraph(*G, OS);
  return OS.str();
}

} // namespace

llvm::Error hybc::runCompile(llvm::ArrayRef<llvm::StringRef> Args,
                             llvm::raw_ostream &OS) {
  SpecArgs SA;
  std::vector<llvm::StringRef> Rest;
  if (llvm::Error E = parseSpecArgs(Args, SA, Rest))
    return E;
  std::string Emit = "hir", OutDir;
  bool HasEmit, HasOut;
  if (llvm::Error E = takeValue(Rest, "--emit", Emit, HasEmit))
    return E;
  if (llvm::Error E = takeValue(Rest, "-o", OutDir, HasOut))
    return E;
  if (llvm::Error E = rejectRest("compile", Rest))
    return E;
  if (Emit != "hir")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("--emit {0}: not available in this build (hint: "
                      "--emit hir)",
                      Emit)
            .str());
  auto S = loadSpec(SA.Path, SA.Overrides, llvm::errs());
  if (!S)
    return S.takeError();
  auto M = buildModel(*S);
  if (!M)
    return M.takeError();
  bool Recur[] = {false, true};
  for (bool R : Recur) {
    if (R && !(*M)->S.Model.Recurrence.Enabled)
      continue;
    auto Text = stepIr(**M, R);
    if (!Text)
      return Text.takeError();
    if (!HasOut) {
      OS << *Text;
      continue;
    }
    if (std::error_code EC = llvm::sys::fs::create_directories(OutDir))
      return llvm::createStringError(
          EC, llvm::formatv("cannot create output directory '{0}': {1}",
                            OutDir, EC.message())
                  .str());
    llvm::SmallString<256> Path(OutDir);
    llvm::sys::path::append(Path, R ? "train_step.recur.hir" : "train_step.hir");
    if (llvm::Error E = data::writeFileAtomic(Path, *Text))
      return E;
    OS << "wrote " << Path << "\n";
  }
  return llvm::Error::success();
}
