//===- runtime/optim/Optimizer.cpp - Grouped Muon + Adam optimizer --------===//
///
/// \file
/// Optimizer presets and the per-step driver.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Optimizer.h"

#include <cassert>

namespace hybc {
namespace optim {

OptimizerConfig OptimizerConfig::baseline() {
  OptimizerConfig C;
  C.Muon = MuonConfig();
  C.group(ParamGroup::MuonMatrix).BaseLr = 0.04;
  C.group(ParamGroup::AdamEmbed).BaseLr = 0.05;
  C.group(ParamGroup::AdamEmbed).Adam.Bf16 = true;
  C.group(ParamGroup::AdamHead).BaseLr = 0.008;
  C.group(ParamGroup::AdamScalar).BaseLr = 0.04;
  return C;
}

OptimizerConfig OptimizerConfig::mamba3Hybrid() {
  OptimizerConfig C = baseline();
  C.Muon.Momentum = 0.99;
  C.Muon.EqR = true;
  C.Muon.WeightDecay = 0.04;
  C.group(ParamGroup::MuonMatrix).BaseLr = 0.025;
  C.group(ParamGroup::AdamScalar).BaseLr = 0.02;
  return C;
}

void Optimizer::step(llvm::ArrayRef<float *> Params,
                     llvm::ArrayRef<const float *> Grads, int64_t Step,
                     double LrMult) {
  assert(Params.size() == State.size() && Grads.size() == State.size() &&
         "one param and one grad pointer per registered parameter");
  const double Momentum = muonMomentum(Step, Cfg.Muon);
  llvm::SmallVector<float, 0> Update;
  for (size_t I = 0; I < State.size(); ++I) {
    ParamState &S = State.param(I);
    const int64_t N = S.numel();
    llvm::MutableArrayRef<float> P(Params[I], N);
    const double Lr = groupLr(S.Group, LrMult);
    if (S.isMuon()) {
      if (Grads[I]) {
        muonDirection(llvm::ArrayRef<float>(Grads[I], N), S.Buf0, S.Rows,
                      S.Cols, Momentum, Cfg.Muon, Update);
      } else {
        Update.assign(N, 0.0f);
      }
      muonApply(P, Update, Lr, Cfg.Muon.WeightDecay);
      continue;
    }
    if (!Grads[I])
      continue;
    ++S.AdamStep;
    adamStep(P, llvm::ArrayRef<float>(Grads[I], N), S.Buf0, S.Buf1, S.AdamStep,
             Lr, Cfg.group(S.Group).Adam);
  }
  ++State.StepsTaken;
}

llvm::Error Optimizer::restore(llvm::StringRef Bytes, llvm::StringRef What) {
  llvm::Expected<OptimizerState> New = OptimizerState::deserialize(Bytes, What);
  if (!New)
    return New.takeError();
  if (llvm::Error E = State.checkSameLayout(*New, What))
    return E;
  State = std::move(*New);
  return llvm::Error::success();
}

} // namespace optim
} // namespace hybc
