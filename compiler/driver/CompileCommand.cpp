//===- compiler/driver/CompileCommand.cpp - `hybc compile` ----------------===//
//
// Runs the compiler pipeline without training and writes the requested
// stage: `--emit hir` (the training-step IR, to a directory or stdout),
// `--emit cu` (every generated kernel + manifest.json, to -o DIR) or
// `--emit ptx|cubin` (through the NVRTC hook of CompileSteps.h). Both
// recurrence schedules are emitted when the spec has a recurrence; kernel
// outputs also cover the late-QAT step when train.late_qat > 0.
//
//===----------------------------------------------------------------------===//
#include "codegen/Lowering.h"
#include "compiler/driver/CompileSteps.h"
#ifdef HYBC_HAVE_CUDA
#include "runtime/gpu/Arena.h"
#endif
#include "runtime/train/GpuCompileKnobs.h"
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
  auto G = buildStepGraph(M, Recurrence);
  if (!G)
    return G.takeError();
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << "# hybc IR of " << M.S.Path << " (recurrence "
     << (Recurrence ? "on" : "off") << ")\n";
  printParams(M, OS);
  printSchedule(M, unrollRecurrence(M, Recurrence), OS);
  printGraph(**G, OS);
  return OS.str();
}

llvm::Error emitHir(const Model &M, llvm::StringRef OutDir,
                    llvm::raw_ostream &OS) {
  for (bool R : {false, true}) {
    if (R && !M.S.Model.Recurrence.Enabled)
      continue;
    auto Text = stepIr(M, R);
    if (!Text)
      return Text.takeError();
    if (OutDir.empty()) {
      OS << *Text;
      continue;
    }
    if (std::error_code EC = llvm::sys::fs::create_directories(OutDir))
      return llvm::createStringError(
          EC, llvm::formatv("cannot create output directory '{0}': {1}", OutDir,
                            EC.message())
                  .str());
    llvm::SmallString<256> Path(OutDir);
    llvm::sys::path::append(Path,
                            R ? "train_step.recur.hir" : "train_step.hir");
    if (llvm::Error E = data::writeFileAtomic(Path, *Text))
      return E;
    OS << "wrote " << Path << "\n";
  }
  return llvm::Error::success();
}

/// One line per plan: the device memory its arena plan needs (what `hybc
/// train --device cuda` allocates for it, besides the parameter arrays and
/// optimizer state). Needs runtime/gpu's planner (CUDA builds).
void printArenaSizes(llvm::ArrayRef<NamedPlan> Plans, llvm::raw_ostream &OS) {
#ifdef HYBC_HAVE_CUDA
  for (const NamedPlan &NP : Plans) {
    auto AP = gpu::planArena(*NP.P, gpu::ArenaOptions());
    if (!AP) {
      llvm::consumeError(AP.takeError());
      continue;
    }
    auto MiB = [](uint64_t B) { return static_cast<double>(B) / 1048576.0; };
    OS << llvm::formatv(
        "{0}: activations {1:f0} MiB ({2:f0} MiB without reuse), "
        "parameters {3:f0} MiB, gradients {4:f0} MiB\n",
        NP.Name, MiB(AP->classBytes(gpu::ArenaClass::Activations)),
        MiB(AP->ActivationBytesNoReuse),
        MiB(AP->classBytes(gpu::ArenaClass::Params)),
        MiB(AP->classBytes(gpu::ArenaClass::Grads)));
  }
#else
  (void)Plans;
  (void)OS;
#endif
}

/// Lowers every schedule variant (recurrence off/on, late QAT off/on) and
/// hands the plans to the cu / ptx / cubin writer.
llvm::Error emitKernels(const Model &M, llvm::StringRef Emit,
                        llvm::StringRef OutDir, llvm::raw_ostream &OS) {
  std::vector<Plan> Plans;
  std::vector<NamedPlan> Named;
  Plans.reserve(4);
  auto Knobs = gpuCompileKnobsFromEnvironment();
  if (!Knobs)
    return Knobs.takeError();
  EmitContext C{M.S.Path};
  C.AttnTiles = Knobs->AttnTiles;
  for (int V = 0; V < 4; ++V) {
    bool R = V & 1, Q = V & 2;
    if ((R && !M.S.Model.Recurrence.Enabled) ||
        (Q && M.S.Train.LateQatThreshold <= 0))
      continue;
    auto G = buildStepGraph(M, R, Q);
    if (!G)
      return G.takeError();
    auto P = lowerToKernels(**G, C, Knobs->Lowering);
    if (!P)
      return P.takeError();
    Plans.push_back(std::move(*P));
    std::string Name =
        std::string("train_step") + (R ? ".recur" : "") + (Q ? ".qat" : "");
    Named.push_back(
        NamedPlan{Name, R, (*G)->Batch, (*G)->Time, &Plans.back(), Q});
  }
  if (llvm::Error E = writeKernelSources(Named, M.S.Path, OutDir, OS))
    return E;
  printArenaSizes(Named, OS);
  if (Emit == "cu")
    return llvm::Error::success();
  return emitKernelBinaries(Named, Emit, OutDir, OS);
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
  if (Emit != "hir" && Emit != "cu" && Emit != "ptx" && Emit != "cubin")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("--emit {0}: unknown stage (hint: --emit hir|cu|ptx|"
                      "cubin)",
                      Emit)
            .str());
  if (Emit != "hir" && !HasOut)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("--emit {0} writes one file per kernel (hint: add -o "
                      "DIR)",
                      Emit)
            .str());
  auto M = loadModel(SA);
  if (!M)
    return M.takeError();
  if (Emit == "hir")
    return emitHir(**M, HasOut ? OutDir : "", OS);
  return emitKernels(**M, Emit, OutDir, OS);
}
