//===- compiler/driver/CompileEmit.cpp - `hybc compile --emit cu|ptx` -----===//
//
// Writers of the kernel outputs of `hybc compile`: every unique kernel as
// DIR/<name>.cu plus DIR/manifest.json (see codegen/Manifest.h), and the
// hook where runtime/gpu's NVRTC turns them into PTX/CUBIN.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/CompileSteps.h"
#include "compiler/passes/Passes.h"
#include "runtime/train/GpuCompileKnobs.h"
#include "runtime/data/AtomicFile.h"
#ifdef HYBC_HAVE_CUDA
#include "runtime/gpu/GpuModule.h"
#include "runtime/gpu/GpuOptions.h"
#include "runtime/gpu/KernelCache.h"
#endif

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
  auto K = gpuCompileKnobsFromEnvironment();
  if (!K)
    return K.takeError();
  rematerialize(*G, K->Remat); // as the CUDA backend does
  return G;
}

llvm::Error hybc::writeKernelSources(llvm::ArrayRef<NamedPlan> Plans,
                                     llvm::StringRef SpecPath,
                                     llvm::StringRef Dir,
                                     llvm::raw_ostream &OS,
                                     const KernelResourceMap *Res) {
  auto Ks = uniqueKernels(Plans);
  if (!Ks)
    return Ks.takeError();
  auto Json = manifestJson(SpecPath, Plans, Res);
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

#ifdef HYBC_HAVE_CUDA
llvm::Error hybc::emitKernelBinaries(llvm::ArrayRef<NamedPlan> Plans,
                                     llvm::StringRef Kind, llvm::StringRef Dir,
                                     llvm::raw_ostream &OS) {
  // NVRTC needs no GPU: sm_90a (or HYBC_ARCH) CUBINs/PTX build anywhere.
  auto Ks = uniqueKernels(Plans);
  if (!Ks)
    return Ks.takeError();
  auto Opts = gpu::gpuOptions();
  if (!Opts)
    return Opts.takeError();
  gpu::NvrtcOptions N = gpu::nvrtcOptionsFor(*Opts);
  N.EmitPtx = Kind == "ptx";
  std::vector<KernelSpec> Specs;
  for (const KernelSpec *K : *Ks)
    Specs.push_back(*K);
  gpu::KernelCacheConfig CC = gpu::KernelCacheConfig::fromOptions(*Opts);
  if (Kind == "ptx") { // PTX is only returned by a fresh compile
    CC.Disk = false;
    CC.AlwaysCompile = true;
  }
  gpu::KernelCache Cache(CC);
  auto Bins = gpu::compileAll(Cache, Specs, N);
  if (!Bins)
    return Bins.takeError();
  for (const gpu::CachedKernel &K : *Bins) {
    llvm::SmallString<256> Path(Dir);
    llvm::sys::path::append(Path, K.Name + "." + Kind.str());
    if (llvm::Error E = data::writeFileAtomic(
            Path, Kind == "ptx" ? llvm::StringRef(K.Ptx)
                                : llvm::StringRef(K.Cubin)))
      return E;
  }
  OS << "wrote " << Bins->size() << " ." << Kind << " files (" << N.Arch
     << ") to " << Dir << "\n";
  return llvm::Error::success();
}
#else
llvm::Error hybc::emitKernelBinaries(llvm::ArrayRef<NamedPlan> Plans,
                                     llvm::StringRef Kind, llvm::StringRef Dir,
                                     llvm::raw_ostream &OS) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv("--emit {0}: this hybc was built without the CUDA "
                    "toolkit (hint: --emit cu)",
                    Kind)
          .str());
}
#endif
