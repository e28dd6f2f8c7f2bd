//===- runtime/optim/LrSchedule.h - LR multiplier schedule ------*- C++ -*-===//
///
/// \file
/// The PG learning-rate multiplier `lr_mul(step, elapsed_ms)`, applied to
/// every group's base LR each step. Pure functions.
///
/// * WarmdownIters <= 0: 1.
/// * Iteration mode (MaxWallclockMs == 0): f = max((I - step)/W, 0) for
///   max(I - W, 0) <= step < I, else 1 (so W > I starts below 1 at step 0:
///   1000/3500 = 0.2857; step >= I gives 1, as in the scripts).
/// * Wallclock mode: step_ms = elapsed/max(step, 1); warmdown_ms = W*step_ms;
///   remaining = max(cap - elapsed, 0); f = remaining/max(warmdown_ms, 1e-9)
///   if remaining <= warmdown_ms, else 1.
/// * Cosine shape (train_mamba3_hybrid.py WARMDOWN_SHAPE=cosine): when
///   f < 1, mult = 0.5*(1 + cos(pi*(1 - f))); linear: mult = f.
/// * Optional linear warm-up (not in the scripts; hybc extension): for
///   step < WarmupSteps the multiplier is further scaled by
///   (step + 1)/WarmupSteps.
///
/// Example:
/// \code
///   LrScheduleConfig Cfg;
///   Cfg.Iterations = 1000;
///   Cfg.WarmdownIters = 3500;
///   double M = lrMultiplier(0, 0.0, Cfg); // 0.285714...
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_LRSCHEDULE_H
#define HYBC_RUNTIME_OPTIM_LRSCHEDULE_H

#include <cstdint>

namespace hybc {
namespace optim {

/// Shape of the warm-down.
enum class WarmdownShape : uint8_t { Linear = 0, Cosine = 1 };

/// Schedule parameters (script env names in comments).
struct LrScheduleConfig {
  int64_t Iterations = 20000;   ///< ITERATIONS.
  int64_t WarmdownIters = 1200; ///< WARMDOWN_ITERS (<= 0: constant 1).
  double MaxWallclockMs = 0.0;  ///< 1000*MAX_WALLCLOCK_SECONDS; 0: iterations.
  WarmdownShape Shape = WarmdownShape::Linear; ///< WARMDOWN_SHAPE.
  int64_t WarmupSteps = 0; ///< LR warm-up steps (hybc extension; 0: off).
};

/// The linear warm-down fraction f in [0, 1] (before shape and warm-up).
double warmdownFraction(int64_t Step, double ElapsedMs,
                        const LrScheduleConfig &Cfg);

/// The scripts' `lr_mul`: the warm-down fraction with the shape applied
/// (no warm-up). Late QAT compares this value against its threshold.
double warmdownMultiplier(int64_t Step, double ElapsedMs,
                          const LrScheduleConfig &Cfg);

/// The LR multiplier at 0-based step \p Step after \p ElapsedMs of
/// training time (validation excluded): warmdownMultiplier times the
/// optional warm-up ramp.
double lrMultiplier(int64_t Step, double ElapsedMs,
                    const LrScheduleConfig &Cfg);

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_LRSCHEDULE_H
