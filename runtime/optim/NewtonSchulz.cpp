//===- runtime/optim/NewtonSchulz.cpp - Muon orthogonalisation ------------===//
///
/// \file
/// Newton-Schulz-5 with PyTorch bf16 rounding emulation, matched against
/// torch 2.11 on an H200 (tests/optim/torch_crosscheck.py):
///   * eager: every op result is rounded (the input cast, norms, clamped
///     norms, norm + eps, the normalised rows and matrix, X X^T, c*A,
///     (c*A) A, b*A, B, B X, a*X, X);
///   * compiled (Inductor): the normalisation runs in fp32 straight from the
///     fp32 input (the bf16 cast, the norms and the divisions are not
///     rounded) and only its result is rounded where it feeds the first
///     matmul; the first iteration's a*X reads the unrounded fp32 value;
///     everything else is rounded as in eager (b*A and a*X included).
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/NewtonSchulz.h"

#include "runtime/optim/Matmul.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace optim {

namespace {

using Buffer = llvm::SmallVector<float, 0>;

/// MuonEq-R: X[r, :] /= max(||X[r, :]||_2, Eps).
void rowNormalize(float *X, int64_t Rows, int64_t Cols, float Eps,
                  Precision P) {
#pragma omp parallel for schedule(static) if (Rows * Cols > 65536)
  for (int64_t R = 0; R < Rows; ++R) {
    float *Row = X + R * Cols;
    double Sum = 0.0;
    for (int64_t C = 0; C < Cols; ++C)
      Sum += static_cast<double>(Row[C]) * Row[C];
    float Norm = roundIfEager(static_cast<float>(std::sqrt(Sum)), P);
    float Den = roundIfEager(std::max(Norm, Eps), P);
    for (int64_t C = 0; C < Cols; ++C)
      Row[C] = roundIfEager(Row[C] / Den, P);
  }
}

/// X /= (||X||_F + Eps); the result is rounded by the caller.
void frobeniusNormalize(float *X, int64_t N, float Eps, Precision P) {
  double Sum = 0.0;
  for (int64_t I = 0; I < N; ++I)
    Sum += static_cast<double>(X[I]) * X[I];
  float Norm = roundIfEager(static_cast<float>(std::sqrt(Sum)), P);
  float Den = roundIfEager(Norm + Eps, P);
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I)
    X[I] = roundIfEager(X[I] / Den, P);
}

/// Scratch buffers of one iteration on an R x C matrix (R <= C).
struct NsScratch {
  Buffer Xt, A, CA, AA, BX;
  NsScratch(int64_t R, int64_t C)
      : Xt(R * C), A(R * R), CA(R * R), AA(R * R), BX(R * C) {}
};

/// One iteration X <- a X + (b A + (c A) A) X, A = X X^T, in place; the
/// a*X term reads \p AxSrc (X itself, or the unrounded first iterate).
void nsIteration(float *X, const float *AxSrc, int64_t R, int64_t C,
                 NsScratch &S, Precision P) {
  const int64_t RR = R * R, RC = R * C;
  detail::transpose(X, S.Xt.data(), R, C);
  detail::matmul(X, S.Xt.data(), S.A.data(), R, C, R);
  if (P != Precision::Fp32)
    roundToBf16InPlace(S.A.data(), RR);
  for (int64_t I = 0; I < RR; ++I)
    S.CA[I] = roundIfBf16(kNsC * S.A[I], P);
  detail::matmul(S.CA.data(), S.A.data(), S.AA.data(), R, R, R);
  // B overwrites A (A is not needed afterwards).
  for (int64_t I = 0; I < RR; ++I) {
    float AA = roundIfBf16(S.AA[I], P);
    S.A[I] = roundIfBf16(roundIfBf16(kNsB * S.A[I], P) + AA, P);
  }
  detail::matmul(S.A.data(), X, S.BX.data(), R, R, C);
#pragma omp parallel for schedule(static) if (RC > 65536)
  for (int64_t I = 0; I < RC; ++I) {
    float BX = roundIfBf16(S.BX[I], P);
    X[I] = roundIfBf16(roundIfBf16(kNsA * AxSrc[I], P) + BX, P);
  }
}

} // namespace

void newtonSchulz5(llvm::ArrayRef<float> G, int64_t Rows, int64_t Cols,
                   const NewtonSchulzOptions &Opts,
                   llvm::SmallVectorImpl<float> &Out) {
  assert(Rows > 0 && Cols > 0 && "newtonSchulz5 needs a non-empty matrix");
  assert(static_cast<int64_t>(G.size()) == Rows * Cols && "shape mismatch");
  const int64_t N = Rows * Cols;
  const Precision P = Opts.Prec;
  // Norm holds the normalised matrix before its final bf16 rounding.
  Buffer Norm(G.begin(), G.end());
  if (P == Precision::Bf16Eager)
    roundToBf16InPlace(Norm.data(), N);
  // MuonEq-R acts on the rows of G itself, before any transpose.
  if (Opts.EqR)
    rowNormalize(Norm.data(), Rows, Cols, Opts.Eps, P);
  frobeniusNormalize(Norm.data(), N, Opts.Eps, P);

  const bool Transposed = Rows > Cols;
  const int64_t R = Transposed ? Cols : Rows;
  const int64_t C = Transposed ? Rows : Cols;
  Buffer First(N); // unrounded first iterate (R x C)
  if (Transposed)
    detail::transpose(Norm.data(), First.data(), Rows, Cols);
  else
    std::copy(Norm.begin(), Norm.end(), First.begin());
  Buffer X(First.begin(), First.end());
  if (P != Precision::Fp32)
    roundToBf16InPlace(X.data(), N);

  NsScratch S(R, C);
  for (int Step = 0; Step < Opts.Steps; ++Step)
    nsIteration(X.data(), Step == 0 ? First.data() : X.data(), R, C, S, P);

  Out.resize(N);
  if (Transposed)
    detail::transpose(X.data(), Out.data(), R, C);
  else
    std::copy(X.begin(), X.end(), Out.begin());
}

} // namespace optim
} // namespace hybc
