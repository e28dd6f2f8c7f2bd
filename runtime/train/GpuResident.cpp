//===- runtime/train/GpuResident.cpp - Device-resident training -----------===//
//
// The CUDA backend's resident mode: every micro-batch's step graph writes
// its gradients into the resident gradient array, an accumulate kernel sums
// them, one fp64 norm checks them (non-finite -> copied to the host for the
// error message) and clips them, GpuOptimizer updates the parameters and an
// EMA kernel the shadows. The host sees one synchronisation for the norm and
// one for the micro-batch losses per step.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuBackendImpl.h"

#ifdef HYBC_HAVE_CUDA
#include "codegen/EmitOptimizer.h"
#include "codegen/EmitTrainStep.h"
#include "runtime/train/GpuOptimizer.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace hybc;
using namespace hybc::ir;
using namespace hybc::gpu_backend;

GpuBackend::GpuBackend(const Model &M, double GradScale, gpu::CudaDriver &D,
                       std::unique_ptr<gpu::Blas> B,
                       std::unique_ptr<gpu::KernelCache> C,
                       gpu::NvrtcOptions O, const gpu::GpuOptions &GO)
    : M(M), GradScale(GradScale), D(D), Blas(std::move(B)),
      Cache(std::move(C)), Opts(std::move(O)), GO(GO),
      Layout(layoutParams(M)) {
  if (GO.Debug.enabled(2, __FILE__))
    Timer = std::make_unique<gpu::KernelTimer>(D);
}

GpuBackend::~GpuBackend() {
  report();
  Opt.reset();
  dropGraphs();
  if (Stream)
    llvm::consumeError(D.streamDestroy(Stream));
  for (auto &KV : Shapes)
    for (auto &S : KV.second->Scratch)
      llvm::consumeError(D.memFree(S.second));
  for (gpu::CuDevicePtr P :
       {Params, Grads, Acts, AccGrads, Losses, Ema, NormOut, NormScratch})
    llvm::consumeError(D.memFree(P));
}

void GpuBackend::report() {
  if (Timer) {
    llvm::consumeError(D.ctxSynchronize());
    if (llvm::Error E = Timer->collect())
      llvm::errs() << "hybc: kernel timer: " << llvm::toString(std::move(E))
                   << "\n";
    llvm::errs() << llvm::formatv("hybc: {0} training step(s) after the first "
                                  "(warm-up excluded)\n",
                                  TimedSteps > 0 ? TimedSteps - 1 : 0);
    Timer->print(llvm::errs(), 60);
  }
  if (GO.Debug.enabled(1, __FILE__))
    llvm::errs() << llvm::formatv(
        "hybc: device memory: peak {0:f1} MiB allocated by hybc\n",
        D.peakAllocatedBytes() / 1048576.0);
}

llvm::Expected<Helper *> GpuBackend::helper(const KernelSpec &K) {
  auto It = Helpers.find(K.Name);
  if (It != Helpers.end())
    return It->second.get();
  auto H = std::make_unique<Helper>();
  H->Spec = K;
  auto Mod = gpu::GpuModule::build(D, *Cache, H->Spec, Opts);
  if (!Mod)
    return Mod.takeError();
  H->Mod = std::move(*Mod);
  Helper *Raw = H.get();
  Helpers[K.Name] = std::move(H);
  return Raw;
}

llvm::Error GpuBackend::launchHelper(const KernelSpec &K,
                                     llvm::ArrayRef<gpu::LaunchArg> Args) {
  auto H = helper(K);
  if (!H)
    return H.takeError();
  if (Timer)
    if (llvm::Error E = Timer->begin(Stream))
      return E;
  if (llvm::Error E = (*H)->Mod->kernel(0).launch((*H)->Spec, Args, Stream))
    return E;
  return Timer ? Timer->end(K.Name) : llvm::Error::success();
}

llvm::Error GpuBackend::startResident(const ParamStore &Store,
                                      const optim::Optimizer &HostOpt,
                                      const optim::Ema *HostEma) {
  const uint64_t Bytes = Layout.TotalFloats * sizeof(float);
  for (gpu::CuDevicePtr *P : {&AccGrads, &NormOut, &NormScratch}) {
    auto Ptr = D.memAlloc(P == &AccGrads ? Bytes : 64 * 1024);
    if (!Ptr)
      return Ptr.takeError();
    *P = *Ptr;
  }
  if (llvm::Error E = uploadParams(Store))
    return E;
  auto O = GpuOptimizer::create(D, *Blas, *Cache, Opts, M, Layout,
                                HostOpt.config());
  if (!O)
    return O.takeError();
  Opt = std::move(*O);
  if (llvm::Error E = Opt->upload(HostOpt.state()))
    return E;
  if (HostEma) {
    auto Ptr = D.memAlloc(Bytes);
    if (!Ptr)
      return Ptr.takeError();
    Ema = *Ptr;
    EmaDecay = static_cast<float>(HostEma->decay());
    std::vector<float> Host(Layout.TotalFloats, 0.0f);
    for (unsigned I = 0; I < HostEma->size(); ++I)
      std::copy(HostEma->shadow(I).begin(), HostEma->shadow(I).end(),
                Host.begin() + Layout.Offsets[I]);
    if (llvm::Error E = D.memcpyHtoD(Ema, Host.data(), Bytes))
      return E;
  }
  // The step kernels around the plans, generated once (not per step).
  const int64_t N = static_cast<int64_t>(Layout.TotalFloats);
  std::vector<KernelSpec> Norm = emitFrobeniusNorm(N);
  StepKs = {emitAccumulate(N), std::move(Norm[0]), std::move(Norm[1]),
            emitScaleInplace(N), emitEmaUpdate(N)};
  Resident = true;
  return llvm::Error::success();
}

llvm::Error GpuBackend::runMicroBody(Prepared &P, bool SkipPerUpdate) {
  if (P.G->ParamGrads.size() != M.Params.size())
    if (llvm::Error E = D.memsetD8(Grads, 0, Layout.TotalFloats * 4, Stream))
      return E;
  if (llvm::Error E = runPlan(P, SkipPerUpdate))
    return E;
  gpu::LaunchArg Acc[] = {gpu::LaunchArg::buffer(AccGrads),
                          gpu::LaunchArg::buffer(Grads)};
  return launchHelper(StepKs.Accumulate, Acc);
}

llvm::Error GpuBackend::runMicroGraph(Prepared &P, bool SkipPerUpdate) {
  gpu::CuGraphExec &Graph = P.Graphs[SkipPerUpdate ? 1 : 0];
  if (!Graph) {
    if (llvm::Error E = D.streamBeginCapture(Stream))
      return E;
    llvm::Error Body = runMicroBody(P, SkipPerUpdate);
    auto G = D.streamEndCapture(Stream);
    if (Body || !G)
      return llvm::joinErrors(std::move(Body),
                              G ? llvm::Error::success() : G.takeError());
    auto X = D.graphInstantiate(*G);
    llvm::consumeError(D.graphDestroy(*G));
    if (!X)
      return X.takeError();
    Graph = *X;
  }
  CopiesFresh = &P;
  return D.graphLaunch(Graph, Stream);
}

void GpuBackend::dropGraphs() {
  CopiesFresh = nullptr; // the activation buffer moved
  for (auto &KV : Shapes)
    for (gpu::CuGraphExec &G : KV.second->Graphs)
      if (G) {
        llvm::consumeError(D.graphExecDestroy(G));
        G = nullptr;
      }
}

llvm::Error GpuBackend::microStepResident(const StepShape &S, int64_t Micro,
                                          NextBatchFn Next) {
  llvm::SmallVector<int32_t, 0> X, Y;
  if (llvm::Error E = Next(X, Y))
    return E;
  auto P = prepare(S, /*Train=*/true);
  if (!P)
    return P.takeError();
  if (llvm::Error E = uploadInputs(**P, X, Y))
    return E;
  // The first run is eager: it autotunes GEMMs and loads kernels, which
  // must not happen during a capture.
  bool Replay = UseGraphs && (*P)->EagerRuns > 0;
  // The weight copies of an earlier micro-batch of this step are reused.
  bool Skip = CopiesFresh == *P;
  if (llvm::Error E =
          Replay ? runMicroGraph(**P, Skip) : runMicroBody(**P, Skip))
    return E;
  if (!Replay)
    ++(*P)->EagerRuns;
  auto LossPtr = (*P)->Arena->ptr((*P)->G->Output->id());
  if (!LossPtr)
    return LossPtr.takeError();
  return D.memcpyDtoD(Losses + Micro * sizeof(float), *LossPtr, sizeof(float),
                      Stream);
}

llvm::Expected<double> GpuBackend::gradNorm() {
  gpu::LaunchArg P1[] = {gpu::LaunchArg::buffer(AccGrads),
                         gpu::LaunchArg::buffer(NormScratch)};
  gpu::LaunchArg P2[] = {gpu::LaunchArg::buffer(NormScratch),
                         gpu::LaunchArg::buffer(NormOut),
                         gpu::LaunchArg::f32(1e-6f)};
  if (llvm::Error E = launchHelper(StepKs.NormPass1, P1))
    return E;
  if (llvm::Error E = launchHelper(StepKs.NormPass2, P2))
    return E;
  float Norm = 0;
  if (llvm::Error E = D.memcpyDtoH(&Norm, NormOut, sizeof(float)))
    return E;
  return static_cast<double>(Norm);
}

llvm::Error GpuBackend::applyUpdate(const ResidentStepArgs &A, double Norm) {
  CopiesFresh = nullptr; // the parameters change
  double Coef = A.GradClip / (Norm + 1e-6);
  if (A.GradClip > 0 && Coef < 1.0) {
    gpu::LaunchArg Sc[] = {gpu::LaunchArg::buffer(AccGrads),
                           gpu::LaunchArg::f32(static_cast<float>(Coef))};
    if (llvm::Error E = launchHelper(StepKs.Scale, Sc))
      return E;
  }
  if (llvm::Error E = Opt->step(Params, AccGrads, A.Step, A.LrMult, Stream))
    return E;
  if (!Ema)
    return llvm::Error::success();
  gpu::LaunchArg Ea[] = {
      gpu::LaunchArg::buffer(Ema), gpu::LaunchArg::buffer(Params),
      gpu::LaunchArg::f32(EmaDecay),
      gpu::LaunchArg::f32(
          static_cast<float>(1.0 - static_cast<double>(EmaDecay)))};
  return launchHelper(StepKs.Ema, Ea);
}

llvm::Expected<ResidentStepResult>
GpuBackend::trainStepResident(const StepShape &S, const ResidentStepArgs &A,
                              NextBatchFn Next, ParamStore &Store) {
  assert(Resident && "startResident first");
  if (A.GradAccum > LossSlots) {
    llvm::consumeError(D.memFree(Losses));
    auto Ptr = D.memAlloc(A.GradAccum * sizeof(float));
    if (!Ptr)
      return Ptr.takeError();
    Losses = *Ptr;
    LossSlots = A.GradAccum;
  }
  const uint64_t Bytes = Layout.TotalFloats * sizeof(float);
  if (llvm::Error E = D.memsetD8(AccGrads, 0, Bytes, Stream))
    return E;
  for (int64_t Micro = 0; Micro < A.GradAccum; ++Micro)
    if (llvm::Error E = microStepResident(S, Micro, Next))
      return E;
  ResidentStepResult R;
  std::vector<float> L(A.GradAccum);
  if (llvm::Error E = D.memcpyDtoH(L.data(), Losses, L.size() * sizeof(float)))
    return E;
  for (float V : L)
    R.Loss += V / static_cast<double>(A.GradAccum);
  auto Norm = gradNorm();
  if (!Norm)
    return Norm.takeError();
  if (!std::isfinite(*Norm)) {
    std::vector<float> Host(Layout.TotalFloats);
    if (llvm::Error E = D.memcpyDtoH(Host.data(), AccGrads, Bytes))
      return E;
    for (const auto &P : M.Params)
      std::copy_n(Host.begin() + Layout.offset(*P), P->numel(),
                  Store.grad(*P));
    R.NonFiniteGrads = true;
    return R;
  }
  if (llvm::Error E = applyUpdate(A, *Norm))
    return E;
  if (Timer) {
    if (llvm::Error E = D.ctxSynchronize())
      return E;
    if (llvm::Error E = Timer->collect())
      return E;
    if (++TimedSteps == 1) // the table shows the steady state
      Timer->reset();
  }
  return R;
}

llvm::Error GpuBackend::downloadState(ParamStore &Store,
                                      optim::OptimizerState &OptState,
                                      optim::Ema *HostEma) {
  assert(Resident && "startResident first");
  std::vector<float> Host(Layout.TotalFloats);
  const uint64_t Bytes = Host.size() * sizeof(float);
  if (llvm::Error E = D.memcpyDtoH(Host.data(), Params, Bytes))
    return E;
  for (const auto &P : M.Params)
    std::copy_n(Host.begin() + Layout.offset(*P), P->numel(), Store.data(*P));
  if (llvm::Error E = Opt->download(OptState))
    return E;
  if (!HostEma || !Ema)
    return llvm::Error::success();
  if (llvm::Error E = D.memcpyDtoH(Host.data(), Ema, Bytes))
    return E;
  for (unsigned I = 0; I < HostEma->size(); ++I) {
    llvm::MutableArrayRef<float> S = HostEma->shadowData(I);
    std::copy_n(Host.begin() + Layout.Offsets[I], S.size(), S.begin());
  }
  return llvm::Error::success();
}

#endif // HYBC_HAVE_CUDA
