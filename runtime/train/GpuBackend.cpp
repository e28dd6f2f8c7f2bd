//===- runtime/train/GpuBackend.cpp - Training steps on a CUDA GPU --------===//
//
// Per step shape: build the graph (forward, + backward for training), lower
// it to a kernel plan (codegen), compile every kernel through NVRTC and the
// kernel cache, plan the device arenas, then run the plan: generated kernels
// through the Driver API, GEMMs through cuBLASLt. Parameters are uploaded
// from the host ParamStore and gradients added back into it, so the trainer
// loop (optimizer, EMA, checkpoints) is the one the CPU backend uses.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Backend.h"

#ifdef HYBC_HAVE_CUDA
#include "codegen/Lowering.h"
#include "compiler/passes/Passes.h"
#include "runtime/gpu/Arena.h"
#include "runtime/gpu/Blas.h"
#include "runtime/gpu/CudaDriver.h"
#include "runtime/gpu/GpuModule.h"
#include "runtime/gpu/GpuOptions.h"
#include "runtime/gpu/KernelCache.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

/// Everything prepared for one step shape.
struct Prepared {
  std::unique_ptr<Graph> G;
  Plan P;
  std::unique_ptr<gpu::GpuModule> Mod;
  std::unique_ptr<gpu::DeviceArena> Arena;
  std::map<std::string, gpu::CuDevicePtr> Scratch;
  unsigned Ids = 0, Targets = 0;
};

class GpuBackend : public Backend {
public:
  GpuBackend(const Model &M, double GradScale, gpu::CudaDriver &D,
             std::unique_ptr<gpu::Blas> B, std::unique_ptr<gpu::KernelCache> C,
             gpu::NvrtcOptions O)
      : M(M), GradScale(GradScale), D(D), Blas(std::move(B)),
        Cache(std::move(C)), Opts(std::move(O)) {}
  ~GpuBackend() override {
    for (auto &KV : Shapes)
      for (auto &S : KV.second->Scratch)
        llvm::consumeError(D.memFree(S.second));
  }
  llvm::StringRef name() const override { return "cuda"; }

  llvm::Expected<double> trainMicroStep(const StepShape &S,
                                        llvm::ArrayRef<int32_t> X,
                                        llvm::ArrayRef<int32_t> Y,
                                        ParamStore &Store) override;
  llvm::Error evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                      llvm::ArrayRef<int32_t> Y, const ParamStore &Store,
                      llvm::MutableArrayRef<float> Nll) override;

private:
  llvm::Expected<Prepared *> prepare(const StepShape &S, bool Train);
  llvm::Error upload(Prepared &P, llvm::ArrayRef<int32_t> X,
                     llvm::ArrayRef<int32_t> Y, const ParamStore &Store);
  llvm::Error runPlan(Prepared &P);
  llvm::Error launch(Prepared &P, const PlanStep &S);

  const Model &M;
  double GradScale;
  gpu::CudaDriver &D;
  std::unique_ptr<gpu::Blas> Blas;
  std::unique_ptr<gpu::KernelCache> Cache;
  gpu::NvrtcOptions Opts;
  std::map<std::pair<StepShape, bool>, std::unique_ptr<Prepared>> Shapes;
};

llvm::Expected<Prepared *> GpuBackend::prepare(const StepShape &S,
                                               bool Train) {
  auto Key = std::make_pair(S, Train);
  auto It = Shapes.find(Key);
  if (It != Shapes.end())
    return It->second.get();
  auto P = std::make_unique<Prepared>();
  ForwardOptions O;
  O.Batch = S.Batch;
  O.Time = S.Time;
  O.RecurrenceActive = S.Recurrence;
  O.QatActive = S.Qat;
  O.PerTokenLoss = !Train;
  P->G = buildForward(M, O);
  if (Train)
    if (llvm::Error E = autodiff(*P->G, GradScale))
      return E;
  EmitContext C;
  C.SpecPath = M.S.Path;
  auto Pl = lowerToKernels(*P->G, C);
  if (!Pl)
    return Pl.takeError();
  P->P = std::move(*Pl);
  auto Mod = gpu::GpuModule::build(D, *Cache, P->P.Kernels, Opts);
  if (!Mod)
    return Mod.takeError();
  P->Mod = std::move(*Mod);
  auto AP = gpu::planArena(P->P, gpu::ArenaOptions());
  if (!AP)
    return AP.takeError();
  auto A = gpu::DeviceArena::allocate(D, std::move(*AP));
  if (!A)
    return A.takeError();
  P->Arena = std::move(*A);
  for (const PlanScratch &Sc : P->P.Scratch) {
    auto Ptr = D.memAlloc(std::max<int64_t>(Sc.Elements, 1) * 8);
    if (!Ptr)
      return Ptr.takeError();
    P->Scratch[Sc.Name] = *Ptr;
  }
  for (const auto &Op : P->G->ops())
    if (Op->kind() == OpKind::Input)
      (Op->inputName() == "ids" ? P->Ids : P->Targets) = Op->result()->id();
  Prepared *Raw = P.get();
  Shapes[Key] = std::move(P);
  return Raw;
}

llvm::Error GpuBackend::upload(Prepared &P, llvm::ArrayRef<int32_t> X,
                               llvm::ArrayRef<int32_t> Y,
                               const ParamStore &Store) {
  for (const PlanBuffer &B : P.P.Buffers) {
    if (B.R != PlanBuffer::Param)
      continue;
    const Param &Pm = *M.Params[B.ParamIndex];
    auto Ptr = P.Arena->ptr(B.ValueId);
    if (!Ptr)
      return Ptr.takeError();
    if (llvm::Error E = D.memcpyHtoD(*Ptr, Store.data(Pm),
                                     Pm.numel() * sizeof(float)))
      return E;
  }
  std::pair<unsigned, llvm::ArrayRef<int32_t>> Inputs[] = {{P.Ids, X},
                                                          {P.Targets, Y}};
  for (auto &In : Inputs) {
    auto Ptr = P.Arena->ptr(In.first);
    if (!Ptr)
      return Ptr.takeError();
    if (llvm::Error E = D.memcpyHtoD(*Ptr, In.second.data(),
                                     In.second.size() * sizeof(int32_t)))
      return E;
  }
  return llvm::Error::success();
}

llvm::Error GpuBackend::launch(Prepared &P, const PlanStep &S) {
  const KernelSpec &K = P.P.Kernels[S.KernelIndex];
  std::vector<gpu::LaunchArg> Args;
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
  return P.Mod->kernel(S.KernelIndex).launch(K, Args, nullptr);
}

llvm::Error GpuBackend::runPlan(Prepared &P) {
  for (const PlanStep &S : P.P.Steps) {
    if (S.K == PlanStep::Alias)
      continue;
    if (S.K == PlanStep::Kernel) {
      if (llvm::Error E = launch(P, S))
        return E;
      continue;
    }
    auto A = P.Arena->ptr(S.G.A), B = P.Arena->ptr(S.G.B),
         C = P.Arena->ptr(S.G.C);
    if (!A || !B || !C)
      return llvm::joinErrors(
          A ? llvm::Error::success() : A.takeError(),
          llvm::joinErrors(B ? llvm::Error::success() : B.takeError(),
                           C ? llvm::Error::success() : C.takeError()));
    if (llvm::Error E = Blas->gemm(S.G, *A, *B, *C, nullptr))
      return E;
  }
  return D.ctxSynchronize();
}

llvm::Expected<double> GpuBackend::trainMicroStep(const StepShape &S,
                                                  llvm::ArrayRef<int32_t> X,
                                                  llvm::ArrayRef<int32_t> Y,
                                                  ParamStore &Store) {
  auto P = prepare(S, /*Train=*/true);
  if (!P)
    return P.takeError();
  if (llvm::Error E = upload(**P, X, Y, Store))
    return E;
  if (llvm::Error E = runPlan(**P))
    return E;
  std::vector<float> Host;
  for (const auto &PG : (*P)->G->ParamGrads) {
    auto Ptr = (*P)->Arena->ptr(PG.second->id());
    if (!Ptr)
      return Ptr.takeError();
    Host.resize(PG.first->numel());
    if (llvm::Error E =
            D.memcpyDtoH(Host.data(), *Ptr, Host.size() * sizeof(float)))
      return E;
    float *Dst = Store.grad(*PG.first);
    for (size_t K = 0; K < Host.size(); ++K)
      Dst[K] += Host[K];
  }
  float Loss = 0;
  auto LossPtr = (*P)->Arena->ptr((*P)->G->Output->id());
  if (!LossPtr)
    return LossPtr.takeError();
  if (llvm::Error E = D.memcpyDtoH(&Loss, *LossPtr, sizeof(float)))
    return E;
  return static_cast<double>(Loss);
}

llvm::Error GpuBackend::evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                                llvm::ArrayRef<int32_t> Y,
                                const ParamStore &Store,
                                llvm::MutableArrayRef<float> Nll) {
  auto P = prepare(S, /*Train=*/false);
  if (!P)
    return P.takeError();
  if (llvm::Error E = upload(**P, X, Y, Store))
    return E;
  if (llvm::Error E = runPlan(**P))
    return E;
  auto Ptr = (*P)->Arena->ptr((*P)->G->Output->id());
  if (!Ptr)
    return Ptr.takeError();
  return D.memcpyDtoH(Nll.data(), *Ptr, Nll.size() * sizeof(float));
}

} // namespace

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
  return std::make_unique<GpuBackend>(M, GradScale, **D, std::move(*B),
                                      std::move(C), std::move(N));
}

#else // !HYBC_HAVE_CUDA

llvm::Expected<std::unique_ptr<hybc::Backend>>
hybc::makeGpuBackend(const hybc::ir::Model &, double) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "this hybc was built without the CUDA "
                                 "toolkit: using the CPU backend");
}

#endif
