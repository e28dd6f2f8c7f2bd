//===- compiler/driver/CompileEmit.cpp - `hybc compile --emit cu|ptx` -----===//
//
// Writers of the kernel outputs of `hybc compile`: every unique kernel as
// DIR/<name>.cu plus DIR/manifest.json (see codegen/Manifest.h), and the
// hook where runtime/gpu's NVRTC turns them into PTX/CUBIN.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/CompileSteps.h"
#include "compiler/passes/Passes.h"
#include "runtime/data/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace hybc;
using namespace hybc::ir;

llvm::Expected<std::unique_ptr<Graph>>
hybc::buildStepGraph(const Model &M, bool Recurrence, bool Qat) {
  const TrainSpec &T = M.S.Train;
  ForwardOptions O;
  O.Time = T.SeqLen;
  O.Batch = std::max<int64_t>(1, T.BatchTokens / (T.GradAccum * T.SeqLen));
  O.RecurrenceActive = Recurrence;
  O.QatActive = Qat;
  auto G = buildForward(M, O);
  if (llvm::Error E = autodiff(*G, 1.0 / static_cast<double>(T.GradAccum)))
    return E;
  return G;
}

llvm::Error hybc::writeKernelSources(llvm::ArrayRef<NamedPlan> Plans,
                                     llvm::StringRef SpecPath,
                                     llvm::StringRef Dir,
                                     llvm::raw_ostream &OS) {
  auto Ks = uniqueKernels(Plans);
  if (!Ks)
    return Ks.takeError();
  auto Json = manifestJson(SpecPath, Plans);
  if (!Json)
    return Json.takeError();
  if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
    return llvm::createStringError(
        EC, llvm::formatv("cannot create output directory '{0}': {1}", Dir,
                          EC.message())
                .str());
  for (const KernelSpec *K : *Ks) {
    llvm::SmallString<256> Path(Dir);
    llvm::sys::path::append(Path, K->Name + ".cu");
    if (llvm::Error E = data::writeFileAtomic(Path, K->Source))
      return E;
  }
  llvm::SmallString<256> Path(Dir);
  llvm::sys::path::append(Path, "manifest.json");
  if (llvm::Error E = data::writeFileAtomic(Path, *Json))
    return E;
  OS << "wrote " << Ks->size() << " kernels and " << Path << "\n";
  return llvm::Error::success();
}

llvm::Error hybc::emitKernelBinaries(llvm::ArrayRef<NamedPlan> Plans,
                                     llvm::StringRef Kind, llvm::StringRef Dir,
                                     llvm::raw_ostream &OS) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("--emit {0}: NVRTC compilation is not wired into hybc "
                    "compile yet (hint: --emit cu -o {1}, then compile the "
                    ".cu files with runtime/gpu or nvcc -arch=sm_90a -cubin)",
                    Kind, Dir.empty() ? "DIR" : Dir)
          .str());
}
