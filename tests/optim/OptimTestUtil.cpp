//===- tests/optim/OptimTestUtil.cpp - Helpers for optim tests ------------===//
///
/// \file
/// fp64 reference helpers for the optimizer tests.
///
//===----------------------------------------------------------------------===//

#include "OptimTestUtil.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

namespace hybc {
namespace optim {
namespace test {

namespace {
using Mat = std::vector<double>;

/// C[M x N] = A[M x K] * B^T where B is [N x K].
Mat mulABt(const Mat &A, const Mat &B, int64_t M, int64_t K, int64_t N) {
  Mat C(M * N, 0.0);
  for (int64_t I = 0; I < M; ++I)
    for (int64_t J = 0; J < N; ++J) {
      double S = 0.0;
      for (int64_t Kk = 0; Kk < K; ++Kk)
        S += A[I * K + Kk] * B[J * K + Kk];
      C[I * N + J] = S;
    }
  return C;
}

/// C[M x N] = A[M x K] * B[K x N].
Mat mulAB(const Mat &A, const Mat &B, int64_t M, int64_t K, int64_t N) {
  Mat C(M * N, 0.0);
  for (int64_t I = 0; I < M; ++I)
    for (int64_t Kk = 0; Kk < K; ++Kk)
      for (int64_t J = 0; J < N; ++J)
        C[I * N + J] += A[I * K + Kk] * B[Kk * N + J];
  return C;
}

Mat transposed(const Mat &X, int64_t Rows, int64_t Cols) {
  Mat T(X.size());
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t C = 0; C < Cols; ++C)
      T[C * Rows + R] = X[R * Cols + C];
  return T;
}

/// Eigenvalues of the symmetric N x N matrix S (cyclic Jacobi).
std::vector<double> symmetricEigenvalues(Mat S, int64_t N) {
  for (int Sweep = 0; Sweep < 100; ++Sweep) {
    double Off = 0.0;
    for (int64_t P = 0; P < N; ++P)
      for (int64_t Q = P + 1; Q < N; ++Q)
        Off += S[P * N + Q] * S[P * N + Q];
    if (Off < 1e-30)
      break;
    for (int64_t P = 0; P < N; ++P)
      for (int64_t Q = P + 1; Q < N; ++Q) {
        double Apq = S[P * N + Q];
        if (std::fabs(Apq) < 1e-300)
          continue;
        double Theta = (S[Q * N + Q] - S[P * N + P]) / (2.0 * Apq);
        double T = (Theta >= 0 ? 1.0 : -1.0) /
                   (std::fabs(Theta) + std::sqrt(Theta * Theta + 1.0));
        double C = 1.0 / std::sqrt(T * T + 1.0), Sn = T * C;
        for (int64_t K = 0; K < N; ++K) {
          double Skp = S[K * N + P], Skq = S[K * N + Q];
          S[K * N + P] = C * Skp - Sn * Skq;
          S[K * N + Q] = Sn * Skp + C * Skq;
        }
        for (int64_t K = 0; K < N; ++K) {
          double Spk = S[P * N + K], Sqk = S[Q * N + K];
          S[P * N + K] = C * Spk - Sn * Sqk;
          S[Q * N + K] = Sn * Spk + C * Sqk;
        }
      }
  }
  std::vector<double> E(N);
  for (int64_t I = 0; I < N; ++I)
    E[I] = S[I * N + I];
  return E;
}
} // namespace

std::vector<float> randomMatrix(int64_t Rows, int64_t Cols, uint32_t Seed,
                                float Std) {
  std::mt19937 Gen(Seed);
  std::normal_distribution<float> Dist(0.0f, Std);
  std::vector<float> M(Rows * Cols);
  for (float &V : M)
    V = Dist(Gen);
  return M;
}

std::vector<double> newtonSchulzF64(const std::vector<float> &G, int64_t Rows,
                                    int64_t Cols, int Steps, bool EqR) {
  Mat X(G.begin(), G.end());
  if (EqR)
    for (int64_t R = 0; R < Rows; ++R) {
      double S = 0.0;
      for (int64_t C = 0; C < Cols; ++C)
        S += X[R * Cols + C] * X[R * Cols + C];
      double Den = std::max(std::sqrt(S), 1e-7);
      for (int64_t C = 0; C < Cols; ++C)
        X[R * Cols + C] /= Den;
    }
  double Fro = 0.0;
  for (double V : X)
    Fro += V * V;
  Fro = std::sqrt(Fro) + 1e-7;
  for (double &V : X)
    V /= Fro;
  const bool Tall = Rows > Cols;
  const int64_t R = Tall ? Cols : Rows, C = Tall ? Rows : Cols;
  if (Tall)
    X = transposed(X, Rows, Cols);
  const double A = 3.4445, B = -4.7750, Cc = 2.0315;
  for (int S = 0; S < Steps; ++S) {
    Mat Am = mulABt(X, X, R, C, R);
    Mat AA = mulAB(Am, Am, R, R, R);
    Mat Bm(R * R);
    for (int64_t I = 0; I < R * R; ++I)
      Bm[I] = B * Am[I] + Cc * AA[I];
    Mat BX = mulAB(Bm, X, R, R, C);
    for (int64_t I = 0; I < R * C; ++I)
      X[I] = A * X[I] + BX[I];
  }
  return Tall ? transposed(X, R, C) : X;
}

std::vector<double> singularValues(const std::vector<float> &X, int64_t Rows,
                                   int64_t Cols) {
  Mat D(X.begin(), X.end());
  const bool Tall = Rows > Cols;
  if (Tall)
    D = transposed(D, Rows, Cols);
  const int64_t R = Tall ? Cols : Rows, C = Tall ? Rows : Cols;
  std::vector<double> E = symmetricEigenvalues(mulABt(D, D, R, C, R), R);
  for (double &V : E)
    V = std::sqrt(std::max(V, 0.0));
  std::sort(E.begin(), E.end(), std::greater<double>());
  return E;
}

} // namespace test
} // namespace optim
} // namespace hybc
