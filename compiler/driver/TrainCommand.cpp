//===- compiler/driver/TrainCommand.cpp - `hybc train` --------------------===//
//
// Parses train options, resolves the spec and hands both to the trainer;
// prints the final line and the summary path.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/CompileSteps.h"
#include "compiler/driver/Driver.h"
#include "frontend/Frontend.h"
#include "runtime/train/Trainer.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <cstdlib>

using namespace hybc;

llvm::Error hybc::runTrain(llvm::ArrayRef<llvm::StringRef> Args,
                           llvm::raw_ostream &OS) {
  SpecArgs SA;
  std::vector<llvm::StringRef> Rest;
  if (llvm::Error E = parseSpecArgs(Args, SA, Rest))
    return E;
  TrainOptions O;
  bool Found;
  if (llvm::Error E = takeValue(Rest, "--out", O.OutDir, Found))
    return E;
  if (llvm::Error E = takeValue(Rest, "--device", O.Device, Found))
    return E;
  if (llvm::Error E = takeValue(Rest, "--resume", O.ResumeDir, Found))
    return E;
  std::string DumpDir, OverrideDir;
  if (llvm::Error E = takeValue(Rest, "--dump-kernels", DumpDir, Found))
    return E;
  if (llvm::Error E = takeValue(Rest, "--override-kernels", OverrideDir, Found))
    return E;
  if (takeFlag(Rest, "--no-progress"))
    O.Progress = false;
  if (llvm::Error E = rejectRest("train", Rest))
    return E;
  if (!O.ResumeDir.empty() && O.OutDir == TrainOptions().OutDir)
    O.OutDir = O.ResumeDir; // continue writing where the run was
  if (!OverrideDir.empty()) {
    if (!llvm::sys::fs::is_directory(OverrideDir))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("--override-kernels {0}: not a directory (hint: "
                        "put edited <kernel>.cu files from --dump-kernels "
                        "there)",
                        OverrideDir)
              .str());
    // The GPU runtime reads its knobs from the environment once.
    ::setenv("HYBC_OVERRIDE_DIR", OverrideDir.c_str(), 1);
  }
  auto M = loadModel(SA);
  if (!M)
    return M.takeError();
  if (!DumpDir.empty())
    O.DumpKernels = [&, Spec = (*M)->S.Path](llvm::ArrayRef<NamedPlan> Plans,
                                              const KernelResourceMap &Res) {
      return writeKernelSources(Plans, Spec, DumpDir, OS, &Res);
    };
  llvm::raw_string_ostream Text(O.SpecText);
  printResolvedSpec((*M)->S, Text);
  Text.flush();
  O.SpecHash = llvm::xxHash64(O.SpecText);
  auto Sum = train(**M, O, OS);
  if (!Sum)
    return Sum.takeError();
  OS << llvm::formatv("final val_loss:{0:f4} val_bpb:{1:f4} steps:{2} "
                      "train_time:{3:f0}ms step_avg:{4:f2}ms device:{5}\n",
                      Sum->ValLoss, Sum->ValBpb, Sum->Steps, Sum->TrainTimeMs,
                      Sum->StepAvgMs, Sum->Device);
  OS << "summary: " << O.OutDir << "/summary.json\n";
  return llvm::Error::success();
}
