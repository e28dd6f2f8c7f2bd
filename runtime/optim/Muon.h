//===- runtime/optim/Muon.h - Muon optimizer --------------------*- C++ -*-===//
///
/// \file
/// Muon for 2-D matrices as in the PG scripts: fp32 momentum buffer
/// `buf = mu*buf + G` (zero-initialised), Nesterov `U = G + mu*buf` (or
/// `U = buf`), U <- NewtonSchulz5(U) (optionally MuonEq-R), scaled by
/// sqrt(max(1, rows/cols)) in bf16, then decoupled weight decay
/// `W *= 1 - lr*wd` BEFORE `W -= lr*U` (U bf16 -> fp32).
///
/// The step is split into muonDirection (momentum + orthogonalisation; in a
/// distributed run only the owning rank does this) and muonApply (weight
/// decay + update; every rank does this after the all-reduce).
///
/// Example:
/// \code
///   MuonConfig Cfg;
///   double Mu = muonMomentum(Step, Cfg);
///   muonStep({W, 512, 512}, Grad, Buf, 0.04 * LrMult, Mu, Cfg);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_MUON_H
#define HYBC_RUNTIME_OPTIM_MUON_H

#include "runtime/optim/Bf16.h"
#include "runtime/optim/ParamView.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace hybc {
namespace optim {

/// Muon hyper-parameters (script env names in comments).
struct MuonConfig {
  double Momentum = 0.95;            ///< MUON_MOMENTUM (value after warm-up).
  double MomentumWarmupStart = 0.85; ///< MUON_MOMENTUM_WARMUP_START.
  int64_t MomentumWarmupSteps = 500; ///< MUON_MOMENTUM_WARMUP_STEPS (0: off).
  bool Nesterov = true;
  int BackendSteps = 5;     ///< MUON_BACKEND_STEPS (Newton-Schulz steps).
  bool EqR = false;         ///< MUON_EQ_R: MuonEq-R row normalisation.
  double WeightDecay = 0.0; ///< WEIGHT_DECAY, decoupled (scaled by lr).
  Precision Prec = Precision::Bf16Compiled; ///< Fp32 for plain fp32.
};

/// Momentum at (0-based) training step \p Step:
/// (1-f)*start + f*end, f = min(Step/warmup, 1) (f = 1 without warm-up).
double muonMomentum(int64_t Step, const MuonConfig &Cfg);

/// Updates \p MomentumBuf (Rows*Cols, fp32) with \p Grad and writes the
/// orthogonalised, shape-scaled update (bf16 values in bf16 precisions)
/// to \p Update.
void muonDirection(llvm::ArrayRef<float> Grad,
                   llvm::MutableArrayRef<float> MomentumBuf, int64_t Rows,
                   int64_t Cols, double Momentum, const MuonConfig &Cfg,
                   llvm::SmallVectorImpl<float> &Update);

/// W *= (1 - Lr*WeightDecay) (when WeightDecay > 0), then W -= Lr*Update.
void muonApply(llvm::MutableArrayRef<float> W, llvm::ArrayRef<float> Update,
               double Lr, double WeightDecay);

/// muonDirection followed by muonApply on one matrix. \p Lr is the
/// effective learning rate (base LR times the schedule multiplier).
void muonStep(ParamView W, llvm::ArrayRef<float> Grad,
              llvm::MutableArrayRef<float> MomentumBuf, double Lr,
              double Momentum, const MuonConfig &Cfg);

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_MUON_H
