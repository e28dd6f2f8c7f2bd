//===- runtime/optim/NewtonSchulz.h - Muon orthogonalisation ----*- C++ -*-===//
///
/// \file
/// The quintic Newton-Schulz iteration that Muon uses to approximately
/// orthogonalise an update matrix (`zeropower_via_newtonschulz5` of the PG
/// scripts). With G = U S V^T it returns roughly U S' V^T with the singular
/// values S' pushed into the band ~[0.7, 1.2].
///
/// Semantics (per the reference scripts): X = bf16(G); with MuonEq-R every
/// row of X is divided by max(||row||_2, eps); X /= (||X||_F + eps); if
/// Rows > Cols the iteration runs on X^T; Steps times:
///   A = X X^T;  B = b*A + (c*A) A;  X = a*X + B X
/// with (a, b, c) = (3.4445, -4.7750, 2.0315); the result is transposed back.
/// Bf16 precisions round intermediates as PyTorch does (see Precision and
/// NewtonSchulz.cpp). Checked against torch 2.11 on an H200 with 1536x512
/// and 512x1024 inputs: normalisation bit-exact in both modes, one
/// iteration within ~0.005-0.009% of elements (1-ulp flips where cuBLAS
/// sums in another order); after five iterations these flips have spread
/// (~66% of elements differ by a few bf16 ulps, max ~0.006), the same as
/// between PyTorch's own eager and compiled results (~84%).
///
/// Example:
/// \code
///   llvm::SmallVector<float, 0> O;
///   hybc::optim::newtonSchulz5(G, 512, 2240, {}, O); // O is 512 x 2240
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_NEWTONSCHULZ_H
#define HYBC_RUNTIME_OPTIM_NEWTONSCHULZ_H

#include "runtime/optim/Bf16.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace hybc {
namespace optim {

/// Quintic coefficients of the PG Newton-Schulz iteration.
constexpr float kNsA = 3.4445f;
constexpr float kNsB = -4.7750f;
constexpr float kNsC = 2.0315f;

/// Options of newtonSchulz5.
struct NewtonSchulzOptions {
  /// Number of iterations (`MUON_BACKEND_STEPS`, 5 in every record).
  int Steps = 5;
  /// Epsilon of the Frobenius (and MuonEq-R row) normalisation.
  float Eps = 1e-7f;
  /// MuonEq-R: normalise every row of bf16(G) to unit L2 norm (clamped at
  /// Eps) before the Frobenius normalisation.
  bool EqR = false;
  /// Rounding emulation; Bf16Compiled matches the scripts' compiled function.
  Precision Prec = Precision::Bf16Compiled;
};

/// Orthogonalise the row-major \p Rows x \p Cols matrix \p G into \p Out
/// (resized to Rows*Cols, same layout). Bit-identical for any thread count.
void newtonSchulz5(llvm::ArrayRef<float> G, int64_t Rows, int64_t Cols,
                   const NewtonSchulzOptions &Opts,
                   llvm::SmallVectorImpl<float> &Out);

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_NEWTONSCHULZ_H
