//===- runtime/optim/Adam.h - Adam with PyTorch fused semantics -*- C++ -*-===//
///
/// \file
/// Adam (bias-corrected, step count starting at 1) with the arithmetic of
/// PyTorch's fused CUDA kernel (`torch.optim.Adam(fused=True)`, used by the
/// PG scripts), all in fp32 with fp32-cast hyper-parameters:
///   m = fma(b1, m, fma(-b1, g, g));  v = fma(b2, v, fma(-b2, g*g, g*g))
///   bc1 = 1 - b1^t;  bc2 = 1 - b2^t
///   denom = sqrt(v)/sqrt(bc2) + eps;  p -= (lr/bc1)*m/denom.
/// Bit-exact against torch 2.11 on an H200 for fp32 and bf16 parameters.
/// Weight decay: L2 (torch.optim.Adam `weight_decay`: g += wd*p, what the
/// hybrid script's EMBED_WD does) or decoupled (AdamW: p -= lr*wd*p).
/// With Bf16 set, param, grad and both moments are bf16 values (the PG tied
/// embedding): loaded as fp32, updated, each stored rounded to bf16.
///
/// Example:
/// \code
///   AdamConfig Cfg;                  // betas (0.9, 0.95), eps 1e-8
///   adamStep(P, G, M, V, /*Step=*/1, /*Lr=*/0.05, Cfg);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_ADAM_H
#define HYBC_RUNTIME_OPTIM_ADAM_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace hybc {
namespace optim {

/// How Adam applies weight decay.
enum class AdamWeightDecay : uint8_t {
  L2 = 0,        ///< torch.optim.Adam: grad += wd * param.
  Decoupled = 1, ///< AdamW: param -= lr * wd * param (before the update).
};

/// Adam hyper-parameters.
struct AdamConfig {
  double Beta1 = 0.9;  ///< BETA1.
  double Beta2 = 0.95; ///< BETA2.
  double Eps = 1e-8;   ///< ADAM_EPS.
  double WeightDecay = 0.0;
  AdamWeightDecay WdMode = AdamWeightDecay::L2;
  /// Param and states live in bf16 (emulated by rounding every store).
  bool Bf16 = false;
};

/// One Adam update of \p Param in place. \p Step is the 1-based count of
/// this update (PyTorch increments before use); \p Lr the effective LR.
/// \p ExpAvg and \p ExpAvgSq start as zeros.
void adamStep(llvm::MutableArrayRef<float> Param, llvm::ArrayRef<float> Grad,
              llvm::MutableArrayRef<float> ExpAvg,
              llvm::MutableArrayRef<float> ExpAvgSq, int64_t Step, double Lr,
              const AdamConfig &Cfg);

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_ADAM_H
