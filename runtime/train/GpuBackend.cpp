//===- runtime/train/GpuBackend.cpp - Training steps on a CUDA GPU --------===//
//
// Per step shape: build the graph (forward, + backward for training), lower
// it to a kernel plan (codegen), compile every kernel through NVRTC and the
// kernel cache, plan the activation arena (parameters and gradients sit in
// the backend-wide resident arrays), then run the plan: generated kernels
// through the Driver API, GEMMs through cuBLASLt. The host-synchronised
// micro-step uploads the parameters and adds the gradients back into the
// ParamStore, so the CPU trainer loop can drive it unchanged; the resident
// mode (GpuResident.cpp) keeps everything on the device.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Backend.h"
#include "runtime/train/GpuBackendImpl.h"

#ifdef HYBC_HAVE_CUDA
#include "codegen/Lowering.h"
#include "compiler/passes/Passes.h"
#include "runtime/train/GpuCompileKnobs.h"
#include "ir/Printer.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>

using namespace hybc;
using namespace hybc::ir;
using namespace hybc::gpu_backend;

llvm::Error GpuBackend::init() {
  auto S = D.streamCreate(/*NonBlocking=*/false);
  if (!S)
    return S.takeError();
  Stream = *S;
  UseGraphs = GO.CudaGraph && !Timer;
  uint64_t Bytes = Layout.TotalFloats * sizeof(float);
  for (gpu::CuDevicePtr *P : {&Params, &Grads}) {
    auto Ptr = D.memAlloc(std::max<uint64_t>(Bytes, 256));
    if (!Ptr)
      return Ptr.takeError();
    *P = *Ptr;
    // Padding between slots must read as zero (optimizer segments).
    if (llvm::Error E = D.memsetD8(*P, 0, std::max<uint64_t>(Bytes, 256)))
      return E;
  }
  return llvm::Error::success();
}

/// HYBC_DEBUG output of prepare(): stage timings (1), fusion decisions (3),
/// the IR after each pass (5).
struct StageLog {
  const gpu::GpuOptions &GO;
  std::string Shape;
  std::chrono::steady_clock::time_point T0 = std::chrono::steady_clock::now();
  void stage(llvm::StringRef Name) {
    auto Now = std::chrono::steady_clock::now();
    if (GO.Debug.enabled(1, __FILE__, "prepare"))
      llvm::errs() << llvm::formatv(
          "hybc: [{0}] {1}: {2:f1} ms\n", Shape, Name,
          std::chrono::duration<double, std::milli>(Now - T0).count());
    T0 = Now;
  }
  void ir(llvm::StringRef Pass, const Graph &G) {
    if (!GO.Debug.enabled(5, __FILE__, "prepare"))
      return;
    llvm::errs() << "hybc: [" << Shape << "] IR after " << Pass << ":\n";
    printGraph(G, llvm::errs());
  }
  void fusion(const Plan &P) {
    if (!GO.Debug.enabled(3, __FILE__, "prepare"))
      return;
    for (const KernelSpec &K : P.Kernels) {
      llvm::errs() << "hybc: [" << Shape << "] kernel " << K.Name << " fuses";
      for (const std::string &Op : K.FusedOps)
        llvm::errs() << " {" << Op << "}";
      llvm::errs() << "\n";
    }
  }
};

llvm::Expected<Prepared *> GpuBackend::prepare(const StepShape &S,
                                               bool Train) {
  auto Key = std::make_pair(S, Train);
  auto It = Shapes.find(Key);
  if (It != Shapes.end())
    return It->second.get();
  const GpuCompileKnobs Knobs = gpuCompileKnobs(GO);
  auto P = std::make_unique<Prepared>();
  StageLog Log{GO, llvm::formatv("{0} b{1} t{2}{3}{4}", Train ? "train" : "eval",
                                 S.Batch, S.Time, S.Recurrence ? " recur" : "",
                                 S.Qat ? " qat" : "")
                       .str()};
  ForwardOptions O;
  O.Batch = S.Batch;
  O.Time = S.Time;
  O.RecurrenceActive = S.Recurrence;
  O.QatActive = S.Qat;
  O.PerTokenLoss = !Train;
  P->G = buildForward(M, O);
  Log.stage("build forward graph");
  Log.ir("buildForward", *P->G);
  if (Train) {
    if (llvm::Error E = autodiff(*P->G, GradScale))
      return E;
    Log.stage("autodiff");
    Log.ir("autodiff", *P->G);
    unsigned N = rematerialize(*P->G, Knobs.Remat);
    Log.stage(llvm::formatv("rematerialize ({0} values)", N).str());
    Log.ir("rematerialize", *P->G);
  }
  EmitContext C;
  C.SpecPath = M.S.Path;
  C.AttnTiles = Knobs.AttnTiles;
  auto Pl = lowerToKernels(*P->G, C, Knobs.Lowering);
  if (!Pl)
    return Pl.takeError();
  P->P = std::move(*Pl);
  Log.stage(llvm::formatv("fusion + lowering ({0} kernels, {1} steps)",
                          P->P.Kernels.size(), P->P.Steps.size())
                .str());
  Log.fusion(P->P);
  auto Mod = gpu::GpuModule::build(D, *Cache, P->P.Kernels, Opts);
  if (!Mod)
    return Mod.takeError();
  P->Mod = std::move(*Mod);
  Log.stage("NVRTC / cache + module load");
  if (llvm::Error E = allocateShape(*P))
    return E;
  Log.stage("arena plan + allocation");
  Prepared *Raw = P.get();
  Shapes[Key] = std::move(P);
  return Raw;
}

llvm::Error GpuBackend::allocateShape(Prepared &P) {
  gpu::ArenaOptions AO;
  for (uint64_t Off : Layout.Offsets)
    AO.ParamOffsets.push_back(Off * sizeof(float));
  AO.ParamBytes = Layout.TotalFloats * sizeof(float);
  auto AP = gpu::planArena(P.P, AO);
  if (!AP)
    return AP.takeError();
  // Plans never run at once: one activation buffer, as large as the
  // largest plan's, serves them all (moved when a larger plan comes).
  uint64_t Need = AP->classBytes(gpu::ArenaClass::Activations);
  if (Need > ActBytes) {
    llvm::consumeError(D.memFree(Acts));
    Acts = 0;
    auto Ptr = D.memAlloc(Need);
    if (!Ptr)
      return Ptr.takeError();
    Acts = *Ptr;
    ActBytes = Need;
    for (auto &KV : Shapes)
      KV.second->Arena->rebase(gpu::ArenaClass::Activations, Acts);
    dropGraphs(); // captured with the old addresses
  }
  gpu::CuDevicePtr External[] = {Params, Grads, 0, Acts};
  auto A = gpu::DeviceArena::allocate(D, std::move(*AP), External);
  if (!A)
    return A.takeError();
  P.Arena = std::move(*A);
  for (const PlanScratch &Sc : P.P.Scratch) {
    auto Ptr = D.memAlloc(std::max<int64_t>(Sc.Elements, 1) * 8);
    if (!Ptr)
      return Ptr.takeError();
    P.Scratch[Sc.Name] = *Ptr;
  }
  for (const auto &Op : P.G->ops())
    if (Op->kind() == OpKind::Input)
      (Op->inputName() == "ids" ? P.Ids : P.Targets) = Op->result()->id();
  return llvm::Error::success();
}

llvm::Error GpuBackend::uploadInputs(Prepared &P, llvm::ArrayRef<int32_t> X,
                                     llvm::ArrayRef<int32_t> Y) {
  std::pair<unsigned, llvm::ArrayRef<int32_t>> Inputs[] = {{P.Ids, X},
                                                          {P.Targets, Y}};
  for (auto &In : Inputs) {
    auto Ptr = P.Arena->ptr(In.first);
    if (!Ptr)
      return Ptr.takeError();
    if (llvm::Error E = D.memcpyHtoD(*Ptr, In.second.data(),
                                     In.second.size() * sizeof(int32_t),
                                     Stream))
      return E;
  }
  return llvm::Error::success();
}

llvm::Error GpuBackend::launch(Prepared &P, const PlanStep &S) {
  const KernelSpec &K = P.P.Kernels[S.KernelIndex];
  llvm::SmallVector<gpu::LaunchArg, 16> Args;
  for (size_t I = 0; I < K.Args.size(); ++I) {
    const KernelArg &A = K.Args[I];
    if (A.K != KernelArg::Buffer)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("kernel {0}: scalar argument '{1}' has no value in a "
                        "training plan",
                        K.Name, A.Name)
              .str());
    if (A.Scratch) {
      Args.push_back(gpu::LaunchArg::buffer(P.Scratch[A.Name]));
      continue;
    }
    auto Ptr = P.Arena->ptr(I < S.Bindings.size() ? S.Bindings[I] : A.ValueId);
    if (!Ptr)
      return Ptr.takeError();
    Args.push_back(gpu::LaunchArg::buffer(*Ptr));
  }
  return P.Mod->kernel(S.KernelIndex).launch(K, Args, Stream);
}

static std::string stepLabel(const Plan &P, const PlanStep &S) {
  if (S.K == PlanStep::Kernel)
    return P.Kernels[S.KernelIndex].Name;
  return llvm::formatv("cublasLt gemm m{0} n{1} k{2}{3}{4}{5} {6}->{7}",
                       S.G.M, S.G.N, S.G.K, S.G.TransA ? " tA" : "",
                       S.G.TransB ? " tB" : "", S.G.Accumulate ? " acc" : "",
                       S.G.Bf16Operands ? "bf16" : "f32",
                       S.G.Bf16Output ? "bf16" : "f32")
      .str();
}

llvm::Error GpuBackend::runPlan(Prepared &P, bool SkipPerUpdate) {
  assert((!SkipPerUpdate || CopiesFresh == &P) && "stale weight copies");
  CopiesFresh = &P; // every plan shares the activation buffer
  for (const PlanStep &S : P.P.Steps) {
    if (S.K == PlanStep::Alias || (SkipPerUpdate && S.PerUpdate))
      continue;
    if (Timer)
      if (llvm::Error E = Timer->begin(Stream))
        return E;
    if (S.K == PlanStep::Kernel) {
      if (llvm::Error E = launch(P, S))
        return E;
    } else {
      auto A = P.Arena->ptr(S.G.A), B = P.Arena->ptr(S.G.B),
           C = P.Arena->ptr(S.G.C);
      if (!A || !B || !C)
        return llvm::joinErrors(
            A ? llvm::Error::success() : A.takeError(),
            llvm::joinErrors(B ? llvm::Error::success() : B.takeError(),
                             C ? llvm::Error::success() : C.takeError()));
      gpu::GemmTypes T;
      if (S.G.Bf16Operands)
        T.A = T.B = "bf16";
      T.C = S.G.Bf16Output ? "bf16" : "f32";
      if (llvm::Error E = Blas->gemm(S.G, *A, *B, *C, Stream, T))
        return E;
    }
    if (Timer)
      if (llvm::Error E = Timer->end(stepLabel(P.P, S)))
        return E;
  }
  return llvm::Error::success();
}

llvm::Expected<Prepared *>
GpuBackend::runShape(const StepShape &S, bool Train, llvm::ArrayRef<int32_t> X,
                     llvm::ArrayRef<int32_t> Y, const ParamStore &Store) {
  auto P = prepare(S, Train);
  if (!P)
    return P.takeError();
  if (!Resident)
    if (llvm::Error E = uploadParams(Store))
      return E;
  if (llvm::Error E = uploadInputs(**P, X, Y))
    return E;
  if (llvm::Error E = runPlan(**P))
    return E;
  return P;
}

llvm::Expected<double> GpuBackend::trainMicroStep(const StepShape &S,
                                                  llvm::ArrayRef<int32_t> X,
                                                  llvm::ArrayRef<int32_t> Y,
                                                  ParamStore &Store) {
  auto P = runShape(S, /*Train=*/true, X, Y, Store);
  if (!P)
    return P.takeError();
  if (llvm::Error E = D.ctxSynchronize())
    return E;
  std::vector<float> Host(Layout.TotalFloats);
  if (llvm::Error E = D.memcpyDtoH(Host.data(), Grads,
                                   Host.size() * sizeof(float)))
    return E;
  for (const auto &PG : (*P)->G->ParamGrads) {
    const float *Src = Host.data() + Layout.offset(*PG.first);
    float *Dst = Store.grad(*PG.first);
    for (int64_t K = 0; K < PG.first->numel(); ++K)
      Dst[K] += Src[K];
  }
  float Loss = 0;
  auto LossPtr = (*P)->Arena->ptr((*P)->G->Output->id());
  if (!LossPtr)
    return LossPtr.takeError();
  if (llvm::Error E = D.memcpyDtoH(&Loss, *LossPtr, sizeof(float)))
    return E;
  if (Timer)
    if (llvm::Error E = Timer->collect())
      return E;
  return static_cast<double>(Loss);
}

llvm::Error GpuBackend::evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                                llvm::ArrayRef<int32_t> Y,
                                const ParamStore &Store,
                                llvm::MutableArrayRef<float> Nll) {
  auto P = runShape(S, /*Train=*/false, X, Y, Store);
  if (!P)
    return P.takeError();
  auto Ptr = (*P)->Arena->ptr((*P)->G->Output->id());
  if (!Ptr)
    return Ptr.takeError();
  if (llvm::Error E =
          D.memcpyDtoH(Nll.data(), *Ptr, Nll.size() * sizeof(float)))
    return E;
  return Timer ? Timer->collect() : llvm::Error::success();
}

bool GpuBackend::kernelPlans(std::vector<NamedPlan> &Plans,
                             KernelResourceMap &Res) const {
  for (const auto &KV : Shapes) {
    const StepShape &S = KV.first.first;
    const Prepared &P = *KV.second;
    NamedPlan NP;
    NP.Name = KV.first.second ? "train_step" : "eval_step";
    NP.Name += S.Recurrence ? ".recur" : "";
    NP.Name += S.Qat ? ".qat" : "";
    NP.Recurrence = S.Recurrence;
    NP.Qat = S.Qat;
    NP.Batch = S.Batch;
    NP.Time = S.Time;
    NP.P = &P.P;
    Plans.push_back(NP);
    for (size_t I = 0; I < P.Mod->size(); ++I) {
      const gpu::FunctionAttributes &A = P.Mod->kernel(I).attributes();
      Res[P.P.Kernels[I].Name] = {A.NumRegs, A.LocalBytes,
                                  A.StaticSharedBytes, A.MaxThreads};
    }
  }
  return true;
}

llvm::Error GpuBackend::uploadParams(const ParamStore &Store) {
  CopiesFresh = nullptr;
  std::vector<float> Host(Layout.TotalFloats, 0.0f);
  for (const auto &P : M.Params)
    std::copy(Store.data(*P), Store.data(*P) + P->numel(),
              Host.begin() + Layout.offset(*P));
  return D.memcpyHtoD(Params, Host.data(), Host.size() * sizeof(float));
}

llvm::Expected<std::unique_ptr<Backend>>
hybc::makeGpuBackend(const Model &M, double GradScale) {
  auto D = gpu::CudaDriver::get();
  if (!D)
    return D.takeError();
  auto Opts = gpu::gpuOptions();
  if (!Opts)
    return Opts.takeError();
  auto B = gpu::Blas::create(**D);
  if (!B)
    return B.takeError();
  auto C = std::make_unique<gpu::KernelCache>(
      gpu::KernelCacheConfig::fromOptions(*Opts));
  gpu::NvrtcOptions N = gpu::nvrtcOptionsFor(*Opts, &(*D)->device());
  auto G = std::make_unique<GpuBackend>(M, GradScale, **D, std::move(*B),
                                        std::move(C), std::move(N), *Opts);
  if (llvm::Error E = G->init())
    return E;
  return std::unique_ptr<Backend>(std::move(G));
}

#else // !HYBC_HAVE_CUDA

llvm::Expected<std::unique_ptr<hybc::Backend>>
hybc::makeGpuBackend(const hybc::ir::Model &, double) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "this hybc was built without the CUDA "
                                 "toolkit: using the CPU backend");
}

#endif
