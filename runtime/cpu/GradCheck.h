//===- runtime/cpu/GradCheck.h - Finite-difference checks -------*- C++ -*-===//
///
/// \file
/// Header-only helpers to verify CPU kernels: a reproducible random filler
/// (SplitMix64, independent of the standard library's distributions) and
/// fp64 central finite differences of a scalar function. The usual pattern
/// checks a backward against L = sum(W * forward(x)) with random W = dY:
///
/// \code
///   llvm::SmallVector<double, 64> Numeric;
///   finiteDifferenceGradient([&] { return weightedForward(); }, X, 1e-5,
///                            Numeric);
///   EXPECT_LE(maxRelativeError(Analytic, Numeric), 1e-6);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_GRADCHECK_H
#define HYBC_RUNTIME_CPU_GRADCHECK_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hybc {
namespace cpu {

/// Deterministic SplitMix64 generator producing doubles in [0, 1).
class SplitMix64 {
public:
  /// Starts the sequence at Seed.
  explicit SplitMix64(uint64_t Seed) : State(Seed) {}

  /// Next raw 64-bit value.
  uint64_t next() {
    uint64_t Z = (State += 0x9e3779b97f4a7c15ull);
    Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ull;
    Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebull;
    return Z ^ (Z >> 31);
  }

  /// Uniform double in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t State;
};

/// Fills Data with values of random sign and magnitude uniform in
/// [MinAbs, MaxAbs] (never zero when MinAbs > 0).
template <typename T>
void fillRandom(llvm::MutableArrayRef<T> Data, uint64_t Seed,
                double MinAbs = 0.1, double MaxAbs = 1.0) {
  SplitMix64 Rng(Seed);
  for (T &V : Data) {
    const double Mag = MinAbs + (MaxAbs - MinAbs) * Rng.uniform();
    V = static_cast<T>((Rng.next() & 1) ? Mag : -Mag);
  }
}

/// Numeric gradient of Loss() w.r.t. every element of Params by central
/// differences with step H (each element is restored afterwards).
inline void finiteDifferenceGradient(llvm::function_ref<double()> Loss,
                                     llvm::MutableArrayRef<double> Params,
                                     double H,
                                     llvm::SmallVectorImpl<double> &Grad) {
  Grad.assign(Params.size(), 0.0);
  for (size_t I = 0; I < Params.size(); ++I) {
    const double Saved = Params[I];
    Params[I] = Saved + H;
    const double Plus = Loss();
    Params[I] = Saved - H;
    const double Minus = Loss();
    Params[I] = Saved;
    Grad[I] = (Plus - Minus) / (2.0 * H);
  }
}

/// max_i |A_i - B_i| / max(max_i |B_i|, 1e-300): the error relative to the
/// reference vector's scale. Sizes must match.
inline double maxRelativeError(llvm::ArrayRef<double> A,
                               llvm::ArrayRef<double> B) {
  double MaxDiff = 0.0, Scale = 1e-300;
  for (size_t I = 0; I < A.size() && I < B.size(); ++I) {
    MaxDiff = std::max(MaxDiff, std::fabs(A[I] - B[I]));
    Scale = std::max(Scale, std::fabs(B[I]));
  }
  return A.size() == B.size() ? MaxDiff / Scale : HUGE_VAL;
}

/// Sum_i W_i * Y_i in double: the scalar loss whose gradient w.r.t. Y is W.
template <typename T>
double weightedSum(llvm::ArrayRef<T> W, llvm::ArrayRef<T> Y) {
  double Sum = 0.0;
  for (size_t I = 0; I < W.size() && I < Y.size(); ++I)
    Sum += static_cast<double>(W[I]) * static_cast<double>(Y[I]);
  return Sum;
}

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_GRADCHECK_H
