//===- runtime/optim/Adam.cpp - Adam with PyTorch fused semantics ---------===//
///
/// \file
/// Element-wise Adam in fp32 with the rounding points of PyTorch 2.11's fused
/// CUDA kernel, confirmed bit-exact on an H200 (tests/optim/
/// torch_crosscheck.py): hyper-parameters cast to fp32, bias corrections
/// 1 - powf(beta, step) in fp32, moments as nested FMAs.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Adam.h"

#include "runtime/optim/Bf16.h"

#include <cassert>
#include <cmath>

namespace hybc {
namespace optim {

namespace {
/// Per-step constants shared by all elements (fp32, like the kernel).
struct AdamScalars {
  float StepSize;
  float Bc2Sqrt;
};

AdamScalars adamScalars(int64_t Step, double Lr, const AdamConfig &Cfg) {
  const float T = static_cast<float>(Step);
  const float Bc1 = 1.0f - std::pow(static_cast<float>(Cfg.Beta1), T);
  const float Bc2 = 1.0f - std::pow(static_cast<float>(Cfg.Beta2), T);
  AdamScalars S;
  S.StepSize = static_cast<float>(Lr) / Bc1;
  S.Bc2Sqrt = std::sqrt(Bc2);
  return S;
}

/// Weight decay applied to (P, G) before the moment updates.
void applyWeightDecay(float &P, float &G, float Lr, float Wd,
                      AdamWeightDecay Mode) {
  if (Mode == AdamWeightDecay::L2)
    G = G + P * Wd;
  else
    P = P - Lr * Wd * P;
}
} // namespace

void adamStep(llvm::MutableArrayRef<float> Param, llvm::ArrayRef<float> Grad,
              llvm::MutableArrayRef<float> ExpAvg,
              llvm::MutableArrayRef<float> ExpAvgSq, int64_t Step, double Lr,
              const AdamConfig &Cfg) {
  assert(Step >= 1 && "Adam step count starts at 1");
  assert(Grad.size() == Param.size() && ExpAvg.size() == Param.size() &&
         ExpAvgSq.size() == Param.size() && "Adam shape mismatch");
  const AdamScalars S = adamScalars(Step, Lr, Cfg);
  const float B1 = static_cast<float>(Cfg.Beta1);
  const float B2 = static_cast<float>(Cfg.Beta2);
  const float Eps = static_cast<float>(Cfg.Eps);
  const float LrF = static_cast<float>(Lr);
  const float Wd = static_cast<float>(Cfg.WeightDecay);
  const bool Decay = Cfg.WeightDecay != 0.0;
  const bool Bf16 = Cfg.Bf16;
  const int64_t N = static_cast<int64_t>(Param.size());
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I) {
    float P = Param[I];
    float G = Bf16 ? roundToBf16(Grad[I]) : Grad[I];
    if (Decay)
      applyWeightDecay(P, G, LrF, Wd, Cfg.WdMode);
    // m = lerp(m, g, 1-b1) and v = lerp(v, g*g, 1-b2) as the kernel's FMAs.
    const float M = std::fma(B1, ExpAvg[I], std::fma(-B1, G, G));
    const float G2 = G * G;
    const float V = std::fma(B2, ExpAvgSq[I], std::fma(-B2, G2, G2));
    const float Denom = std::sqrt(V) / S.Bc2Sqrt + Eps;
    P -= S.StepSize * M / Denom;
    Param[I] = Bf16 ? roundToBf16(P) : P;
    ExpAvg[I] = Bf16 ? roundToBf16(M) : M;
    ExpAvgSq[I] = Bf16 ? roundToBf16(V) : V;
  }
}

} // namespace optim
} // namespace hybc
