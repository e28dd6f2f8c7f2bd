//===- runtime/optim/LrSchedule.cpp - LR multiplier schedule --------------===//
///
/// \file
/// Implementation of the PG warm-down schedule (double arithmetic, like the
/// Python originals).
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/LrSchedule.h"

#include <algorithm>
#include <cmath>

namespace hybc {
namespace optim {

namespace {
/// Python's math.pi.
constexpr double kPi = 3.14159265358979323846;
} // namespace

double warmdownFraction(int64_t Step, double ElapsedMs,
                        const LrScheduleConfig &Cfg) {
  if (Cfg.WarmdownIters <= 0)
    return 1.0;
  const double W = static_cast<double>(Cfg.WarmdownIters);
  if (Cfg.MaxWallclockMs <= 0.0) {
    const int64_t Start =
        std::max<int64_t>(Cfg.Iterations - Cfg.WarmdownIters, 0);
    if (Step < Start || Step >= Cfg.Iterations)
      return 1.0;
    return std::max(static_cast<double>(Cfg.Iterations - Step) / W, 0.0);
  }
  const double StepMs =
      ElapsedMs / static_cast<double>(std::max<int64_t>(Step, 1));
  const double WarmdownMs = W * StepMs;
  const double RemainingMs = std::max(Cfg.MaxWallclockMs - ElapsedMs, 0.0);
  if (RemainingMs > WarmdownMs)
    return 1.0;
  return RemainingMs / std::max(WarmdownMs, 1e-9);
}

double warmdownMultiplier(int64_t Step, double ElapsedMs,
                          const LrScheduleConfig &Cfg) {
  double Frac = warmdownFraction(Step, ElapsedMs, Cfg);
  if (Cfg.Shape == WarmdownShape::Cosine && Frac < 1.0)
    return 0.5 * (1.0 + std::cos(kPi * (1.0 - Frac)));
  return Frac;
}

double lrMultiplier(int64_t Step, double ElapsedMs,
                    const LrScheduleConfig &Cfg) {
  double Mult = warmdownMultiplier(Step, ElapsedMs, Cfg);
  if (Cfg.WarmupSteps > 0 && Step < Cfg.WarmupSteps)
    Mult *=
        static_cast<double>(Step + 1) / static_cast<double>(Cfg.WarmupSteps);
  return Mult;
}

} // namespace optim
} // namespace hybc
