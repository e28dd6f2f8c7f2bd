//===- runtime/optim/Qat.h - Late QAT fake quantisation (STE) ---*- C++ -*-===//
///
/// \file
/// Late quantisation-aware training as in train_mamba3_hybrid.py
/// (`FakeQuantizeSTE`, `CastedLinear`, `LATE_QAT_THRESHOLD`):
/// * qmax = 2^(bits-1) - 1 (int6: 31, int8: 127).
/// * 2-D weights: per-row scale s = max|row| / qmax, clamped to >= 1/qmax
///   (so every row whose max |w| < 1 uses s = 1/qmax); other ranks use one
///   per-tensor scale the same way.
/// * w_q = clamp(round_half_even(w / s), -qmax, qmax) * s, returned in bf16
///   (the matmul's dtype). Eager PyTorch computes it on the bf16 copy of the
///   weight; torch.compile (the scripts) on the fp32 master (cast elided).
/// * Straight-through estimator: dL/dw = dL/dw_q (the backward is identity).
/// * Applies to every CastedLinear weight with numel > 65,536 and (at
///   QUANT_BITS_EMBED, default QUANT_BITS) to the tied embedding, whatever its
///   size. Enabled (and then latched on) at the first step whose LR
///   multiplier is < LATE_QAT_THRESHOLD (0.15 in the records; 0 disables).
///   Feed it warmdownMultiplier (the scripts' lr_mul), not lrMultiplier, so
///   that hybc's optional LR warm-up cannot switch QAT on at step 0.
///
/// Example:
/// \code
///   LateQat Q(QatConfig{});
///   if (Q.update(warmdownMultiplier(Step, Ms, Sched)))
///     log("late_qat:enabled");
///   if (Q.active() && qatAppliesTo(W.numel(), Q.config()))
///     fakeQuantize(W, Rows, Cols, 6, true, Precision::Bf16Compiled, Wq);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_QAT_H
#define HYBC_RUNTIME_OPTIM_QAT_H

#include "runtime/optim/Bf16.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace hybc {
namespace optim {

/// Late-QAT settings (script env names in comments).
struct QatConfig {
  int Bits = 6;             ///< QUANT_BITS.
  int EmbedBits = 0;        ///< QUANT_BITS_EMBED (0: same as Bits).
  double Threshold = 0.15;  ///< LATE_QAT_THRESHOLD (0 disables).
  int64_t MinNumel = 65536; ///< Linear weights need numel > MinNumel.
  Precision Prec = Precision::Bf16Compiled; ///< Rounding emulation.
};

/// 2^(Bits-1) - 1.
inline int qatQmax(int Bits) { return (1 << (Bits - 1)) - 1; }

/// True when a linear weight with \p Numel elements is fake-quantised.
inline bool qatAppliesTo(int64_t Numel, const QatConfig &Cfg) {
  return Numel > Cfg.MinNumel;
}

/// Bits used for the tied embedding.
inline int qatEmbedBits(const QatConfig &Cfg) {
  return Cfg.EmbedBits > 0 ? Cfg.EmbedBits : Cfg.Bits;
}

/// Fake-quantises the row-major \p Rows x \p Cols tensor \p W into \p Out
/// (same size; may alias W). \p PerRow: one scale per row (2-D weights),
/// else one per tensor. Fp32 precision skips all bf16 rounding.
void fakeQuantize(llvm::ArrayRef<float> W, int64_t Rows, int64_t Cols, int Bits,
                  bool PerRow, Precision P, llvm::MutableArrayRef<float> Out);

/// The latch that turns late QAT on once and keeps it on.
class LateQat {
public:
  explicit LateQat(QatConfig Cfg) : Cfg(Cfg) {}
  /// Feeds this step's warm-down multiplier (see warmdownMultiplier);
  /// returns true on the step QAT turns on.
  bool update(double LrMult);
  bool active() const { return Active; }
  /// Forces the state (checkpoint resume, or the final "turn off for export").
  void setActive(bool On) { Active = On; }
  const QatConfig &config() const { return Cfg; }

private:
  QatConfig Cfg;
  bool Active = false;
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_QAT_H
