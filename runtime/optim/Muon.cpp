//===- runtime/optim/Muon.cpp - Muon optimizer ----------------------------===//
///
/// \file
/// Muon arithmetic follows PyTorch eager fp32 ops: `buf.mul_(mu).add_(g)`
/// is a rounded product then a sum; `g.add(buf, alpha=mu)` and
/// `p.add_(u, alpha=-lr)` are fused multiply-adds (as PyTorch's add kernels
/// compute `a + alpha*b`); Python-float scalars become fp32 ("opmath").
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Muon.h"

#include "runtime/optim/NewtonSchulz.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace optim {

double muonMomentum(int64_t Step, const MuonConfig &Cfg) {
  double F = 1.0;
  if (Cfg.MomentumWarmupSteps > 0)
    F = std::min(static_cast<double>(Step) /
                     static_cast<double>(Cfg.MomentumWarmupSteps),
                 1.0);
  return (1.0 - F) * Cfg.MomentumWarmupStart + F * Cfg.Momentum;
}

void muonDirection(llvm::ArrayRef<float> Grad,
                   llvm::MutableArrayRef<float> MomentumBuf, int64_t Rows,
                   int64_t Cols, double Momentum, const MuonConfig &Cfg,
                   llvm::SmallVectorImpl<float> &Update) {
  const int64_t N = Rows * Cols;
  assert(static_cast<int64_t>(Grad.size()) == N && "grad shape mismatch");
  assert(static_cast<int64_t>(MomentumBuf.size()) == N && "buf mismatch");
  const float Mu = static_cast<float>(Momentum);
  llvm::SmallVector<float, 0> U(N);
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I) {
    float B = MomentumBuf[I] * Mu;
    B = B + Grad[I];
    MomentumBuf[I] = B;
    U[I] = Cfg.Nesterov ? std::fma(Mu, B, Grad[I]) : B;
  }
  NewtonSchulzOptions Opts;
  Opts.Steps = Cfg.BackendSteps;
  Opts.EqR = Cfg.EqR;
  Opts.Prec = Cfg.Prec;
  newtonSchulz5(U, Rows, Cols, Opts, Update);
  const double Ratio = static_cast<double>(Rows) / static_cast<double>(Cols);
  const float Scale = static_cast<float>(std::sqrt(std::max(1.0, Ratio)));
  if (Scale == 1.0f)
    return;
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I)
    Update[I] = roundIfBf16(Update[I] * Scale, Cfg.Prec);
}

void muonApply(llvm::MutableArrayRef<float> W, llvm::ArrayRef<float> Update,
               double Lr, double WeightDecay) {
  assert(W.size() == Update.size() && "update shape mismatch");
  const int64_t N = static_cast<int64_t>(W.size());
  const bool Decay = WeightDecay > 0.0;
  const float Keep = static_cast<float>(1.0 - Lr * WeightDecay);
  const float Alpha = static_cast<float>(-Lr);
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I) {
    float V = Decay ? W[I] * Keep : W[I];
    W[I] = std::fma(Alpha, Update[I], V);
  }
}

void muonStep(ParamView W, llvm::ArrayRef<float> Grad,
              llvm::MutableArrayRef<float> MomentumBuf, double Lr,
              double Momentum, const MuonConfig &Cfg) {
  llvm::SmallVector<float, 0> Update;
  muonDirection(Grad, MomentumBuf, W.Rows, W.Cols, Momentum, Cfg, Update);
  muonApply(llvm::MutableArrayRef<float>(W.Data, W.numel()), Update, Lr,
            Cfg.WeightDecay);
}

} // namespace optim
} // namespace hybc
