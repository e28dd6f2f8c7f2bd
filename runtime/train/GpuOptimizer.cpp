//===- runtime/train/GpuOptimizer.cpp - Muon + Adam on the device ---------===//
///
/// \file
/// GpuOptimizer::create and step: the launches planGpuOptimizer lists, with
/// the scalars the host optimizer computes (runtime/optim/Optimizer.cpp,
/// Muon.cpp, Adam.cpp) cast to fp32 exactly as there. State transfer lives
/// in GpuOptimizerState.cpp.
///
//===----------------------------------------------------------------------===//
#include "runtime/train/GpuOptimizer.h"

#ifdef HYBC_HAVE_CUDA
#include "runtime/optim/NewtonSchulz.h"

#include "llvm/ADT/Twine.h"

#include <cmath>

using namespace hybc;
using gpu::CuDevicePtr;
using gpu::LaunchArg;

namespace {

CuDevicePtr floatsAt(CuDevicePtr Base, uint64_t Floats) {
  return Base + Floats * sizeof(float);
}

} // namespace

GpuOptimizer::~GpuOptimizer() {
  for (CuDevicePtr Ptr : Owned)
    llvm::consumeError(D.memFree(Ptr));
}

llvm::Expected<std::unique_ptr<GpuOptimizer>>
GpuOptimizer::create(gpu::CudaDriver &D, gpu::Blas &B, gpu::KernelCache &C,
                     const gpu::NvrtcOptions &O, const ir::Model &M,
                     const GpuParamLayout &L,
                     const optim::OptimizerConfig &Cfg) {
  if (Cfg.Muon.Prec == optim::Precision::Fp32 &&
      B.precision() != gpu::GemmPrecision::Fp32)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "gpu optimizer: Muon precision fp32 needs exact fp32 GEMMs (hint: "
        "create the Blas with GemmPrecision::Fp32)");
  if (L.Offsets.size() != M.Params.size())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "gpu optimizer: the layout has %zu parameters, the model %zu (hint: "
        "build it with layoutParams(Model))",
        L.Offsets.size(), M.Params.size());
  auto Plan = planGpuOptimizer(L, Cfg);
  if (!Plan)
    return Plan.takeError();
  std::unique_ptr<GpuOptimizer> Opt(new GpuOptimizer(D, B, M, L, Cfg));
  Opt->P = std::move(*Plan);
  auto Mod = gpu::GpuModule::build(D, C, Opt->P.Kernels, O);
  if (!Mod)
    return Mod.takeError();
  Opt->Mod = std::move(*Mod);
  if (llvm::Error E = Opt->allocate())
    return E;
  return Opt;
}

llvm::Expected<CuDevicePtr> GpuOptimizer::alloc(uint64_t Floats) {
  const size_t Bytes = std::max<uint64_t>(Floats, 1) * sizeof(float);
  auto Ptr = D.memAlloc(Bytes);
  if (!Ptr)
    return llvm::joinErrors(
        llvm::createStringError(llvm::inconvertibleErrorCode(),
                                "gpu optimizer: allocating its state"),
        Ptr.takeError());
  Owned.push_back(*Ptr);
  if (llvm::Error E = D.memsetD8(*Ptr, 0, Bytes))
    return E;
  return *Ptr;
}

llvm::Error GpuOptimizer::allocate() {
  const size_t NumSegs = L.Segments.size();
  Buf0.assign(NumSegs, 0);
  Buf1.assign(NumSegs, 0);
  AdamSteps.assign(NumSegs, 0);
  for (const auto &G : P.MuonSegs) {
    auto Ptr = alloc(L.Segments[G.Segment].Floats);
    if (!Ptr)
      return Ptr.takeError();
    Buf0[G.Segment] = *Ptr;
  }
  for (const auto &G : P.AdamSegs)
    for (CuDevicePtr *Dst : {&Buf0[G.Segment], &Buf1[G.Segment]}) {
      auto Ptr = alloc(L.Segments[G.Segment].Floats);
      if (!Ptr)
        return Ptr.takeError();
      *Dst = *Ptr;
    }
  if (P.MuonSegs.empty())
    return llvm::Error::success();
  std::pair<CuDevicePtr *, uint64_t> Scratch[] = {
      {&First, P.SlotFloats},      {&X, P.SlotFloats},  {&BX, P.SlotFloats},
      {&A, P.GramFloats},          {&CA, P.GramFloats}, {&AA, P.GramFloats},
      {&Partials, P.PartialFloats}};
  for (auto &S : Scratch) {
    auto Ptr = alloc(S.second);
    if (!Ptr)
      return Ptr.takeError();
    *S.first = *Ptr;
  }
  return llvm::Error::success();
}

llvm::Error GpuOptimizer::launch(unsigned K, llvm::ArrayRef<LaunchArg> Args,
                                 gpu::CuStream S) {
  return Mod->kernel(K).launch(P.Kernels[K], Args, S);
}

llvm::Error GpuOptimizer::step(CuDevicePtr Params, CuDevicePtr Grads,
                               int64_t Step, double LrMult, gpu::CuStream S) {
  const float Mu = static_cast<float>(optim::muonMomentum(Step, Cfg.Muon));
  const double MuonLr =
      Cfg.group(optim::ParamGroup::MuonMatrix).BaseLr * LrMult;
  for (const auto &G : P.MuonSegs) {
    const uint64_t Off = L.Segments[G.Segment].Offset;
    if (llvm::Error E = muonStep(G, floatsAt(Params, Off), floatsAt(Grads, Off),
                                 Mu, MuonLr, S))
      return E;
  }
  for (const auto &G : P.AdamSegs) {
    const uint64_t Off = L.Segments[G.Segment].Offset;
    if (llvm::Error E =
            adamStep(G, floatsAt(Params, Off), floatsAt(Grads, Off), LrMult, S))
      return E;
  }
  ++StepsTaken;
  return llvm::Error::success();
}

llvm::Error GpuOptimizer::muonStep(const GpuOptimizerPlan::Muon &G,
                                   CuDevicePtr Prm, CuDevicePtr Grd, float Mu,
                                   double Lr, gpu::CuStream S) {
  const float Eps = optim::NewtonSchulzOptions().Eps;
  if (llvm::Error E =
          launch(G.Momentum,
                 {LaunchArg::buffer(Grd), LaunchArg::buffer(Buf0[G.Segment]),
                  LaunchArg::buffer(First), LaunchArg::f32(Mu)},
                 S))
    return E;
  if (G.RowNorm >= 0)
    if (llvm::Error E =
            launch(static_cast<unsigned>(G.RowNorm),
                   {LaunchArg::buffer(First), LaunchArg::f32(Eps)}, S))
      return E;
  if (llvm::Error E = launch(
          G.FroSum, {LaunchArg::buffer(First), LaunchArg::buffer(Partials)}, S))
    return E;
  if (llvm::Error E =
          launch(G.FroDiv,
                 {LaunchArg::buffer(Partials), LaunchArg::buffer(First),
                  LaunchArg::buffer(X), LaunchArg::f32(Eps)},
                 S))
    return E;
  if (llvm::Error E = newtonSchulz(G, S))
    return E;
  const double Wd = Cfg.Muon.WeightDecay;
  return launch(G.Apply,
                {LaunchArg::buffer(Prm), LaunchArg::buffer(X),
                 LaunchArg::f32(G.Scale),
                 LaunchArg::f32(static_cast<float>(1.0 - Lr * Wd)),
                 LaunchArg::f32(static_cast<float>(-Lr)),
                 LaunchArg::i64(Wd > 0.0 ? 1 : 0)},
                S);
}

llvm::Error GpuOptimizer::newtonSchulz(const GpuOptimizerPlan::Muon &G,
                                       gpu::CuStream S) {
  const int64_t R = G.Rows, C = G.Cols, N = G.Small;
  const int64_t SX = G.Stride, SG = G.GramStride;
  GemmStep Gram, Square, Out;
  Gram.M = Gram.N = N; // A = X X^T (K = C) or X^T X (K = R)
  Gram.K = G.Transposed ? R : C;
  Gram.TransA = G.Transposed;
  Gram.TransB = !G.Transposed;
  Square.M = Square.N = Square.K = N; // AA = (c A) A
  Out.M = R;                          // B X (K = R) or X B^T (K = C)
  Out.N = C;
  Out.K = N;
  Out.TransB = G.Transposed;
  const CuDevicePtr OutA = G.Transposed ? X : A, OutB = G.Transposed ? A : X;
  const int64_t OutSA = G.Transposed ? SX : SG, OutSB = G.Transposed ? SG : SX;
  for (int It = 0; It < Cfg.Muon.BackendSteps; ++It) {
    if (llvm::Error E = B.gemmBatched(Gram, G.Count, SX, SX, SG, X, X, A, S))
      return E;
    if (llvm::Error E = launch(G.Gram,
                               {LaunchArg::buffer(A), LaunchArg::buffer(CA),
                                LaunchArg::f32(optim::kNsC)},
                               S))
      return E;
    if (llvm::Error E =
            B.gemmBatched(Square, G.Count, SG, SG, SG, CA, A, AA, S))
      return E;
    if (llvm::Error E = launch(G.Poly,
                               {LaunchArg::buffer(A), LaunchArg::buffer(AA),
                                LaunchArg::f32(optim::kNsB)},
                               S))
      return E;
    if (llvm::Error E =
            B.gemmBatched(Out, G.Count, OutSA, OutSB, SX, OutA, OutB, BX, S))
      return E;
    llvm::Error E =
        It == 0 ? launch(G.UpdateFirst,
                         {LaunchArg::buffer(X), LaunchArg::buffer(First),
                          LaunchArg::buffer(BX), LaunchArg::f32(optim::kNsA)},
                         S)
                : launch(G.Update,
                         {LaunchArg::buffer(X), LaunchArg::buffer(BX),
                          LaunchArg::f32(optim::kNsA)},
                         S);
    if (E)
      return E;
  }
  return llvm::Error::success();
}

llvm::Error GpuOptimizer::adamStep(const GpuOptimizerPlan::Adam &G,
                                   CuDevicePtr Prm, CuDevicePtr Grd,
                                   double LrMult, gpu::CuStream S) {
  const optim::AdamConfig &AC = Cfg.group(G.Group).Adam;
  const double Lr = Cfg.group(G.Group).BaseLr * LrMult;
  const int64_t Step = ++AdamSteps[G.Segment];
  // As adamScalars in runtime/optim/Adam.cpp.
  const float T = static_cast<float>(Step);
  const float Bc1 = 1.0f - std::pow(static_cast<float>(AC.Beta1), T);
  const float Bc2 = 1.0f - std::pow(static_cast<float>(AC.Beta2), T);
  const float StepSize = static_cast<float>(Lr) / Bc1;
  const float Bc2Sqrt = std::sqrt(Bc2);
  return launch(
      G.Kernel,
      {LaunchArg::buffer(Prm), LaunchArg::buffer(Grd),
       LaunchArg::buffer(Buf0[G.Segment]), LaunchArg::buffer(Buf1[G.Segment]),
       LaunchArg::f32(static_cast<float>(Lr)),
       LaunchArg::f32(static_cast<float>(AC.Beta1)),
       LaunchArg::f32(static_cast<float>(AC.Beta2)),
       LaunchArg::f32(static_cast<float>(AC.Eps)),
       LaunchArg::f32(static_cast<float>(AC.WeightDecay)),
       LaunchArg::f32(StepSize), LaunchArg::f32(Bc2Sqrt),
       LaunchArg::i64(AC.WdMode == optim::AdamWeightDecay::L2 ? 0 : 1)},
      S);
}

#endif // HYBC_HAVE_CUDA
