//===- runtime/train/ParamStore.cpp - Parameter and gradient arenas -------===//
//
// Arena layout and the init rules of ir::ParamInit.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/ParamStore.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace hybc;
using namespace hybc::ir;

ParamStore::ParamStore(const ParamTable &Table) : Table(Table) {
  int64_t Off = 0;
  for (const auto &P : Table) {
    Offsets.push_back(Off);
    Off += P->numel();
  }
  Values.assign(Off, 0.f);
  Grads.assign(Off, 0.f);
}

void ParamStore::zeroGrads() { std::fill(Grads.begin(), Grads.end(), 0.f); }

void hybc::orthogonalInit(float *W, int64_t Rows, int64_t Cols, double Gain,
                          uint64_t Seed) {
  // Orthonormalise the rows (Rows <= Cols) or columns of a Gaussian matrix
  // with modified Gram-Schmidt in double precision.
  bool Flip = Rows > Cols;
  int64_t R = Flip ? Cols : Rows, C = Flip ? Rows : Cols;
  std::mt19937_64 Gen(Seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<double> A(R * C);
  for (double &V : A)
    V = N(Gen);
  for (int64_t I = 0; I < R; ++I) {
    double *Ri = &A[I * C];
    for (int64_t J = 0; J < I; ++J) {
      const double *Rj = &A[J * C];
      double Dot = 0;
      for (int64_t K = 0; K < C; ++K)
        Dot += Ri[K] * Rj[K];
      for (int64_t K = 0; K < C; ++K)
        Ri[K] -= Dot * Rj[K];
    }
    double Norm = 0;
    for (int64_t K = 0; K < C; ++K)
      Norm += Ri[K] * Ri[K];
    Norm = std::sqrt(std::max(Norm, 1e-300));
    for (int64_t K = 0; K < C; ++K)
      Ri[K] /= Norm;
  }
  for (int64_t I = 0; I < R; ++I)
    for (int64_t K = 0; K < C; ++K) {
      float V = static_cast<float>(Gain * A[I * C + K]);
      if (Flip)
        W[K * Cols + I] = V;
      else
        W[I * Cols + K] = V;
    }
}

static void initOne(const Param &P, float *W, uint64_t Seed) {
  const ParamInit &I = P.init();
  int64_t N = P.numel();
  std::mt19937_64 Gen(Seed);
  switch (I.K) {
  case ParamInit::Zeros:
    std::fill(W, W + N, 0.f);
    return;
  case ParamInit::Constant:
    std::fill(W, W + N, static_cast<float>(I.A));
    return;
  case ParamInit::Normal: {
    std::normal_distribution<double> D(0.0, I.A);
    for (int64_t K = 0; K < N; ++K)
      W[K] = static_cast<float>(D(Gen));
    return;
  }
  case ParamInit::Uniform: {
    std::uniform_real_distribution<double> D(-I.A, I.A);
    for (int64_t K = 0; K < N; ++K)
      W[K] = static_cast<float>(D(Gen));
    return;
  }
  case ParamInit::Orthogonal:
    orthogonalInit(W, P.type().Shape[0], N / P.type().Shape[0], I.A, Seed);
    return;
  case ParamInit::ResidMix: {
    int64_t D = N / 2;
    std::fill(W, W + D, 1.f);
    std::fill(W + D, W + N, 0.f);
    return;
  }
  case ParamInit::DtBias: {
    std::uniform_real_distribution<double> U(std::log(I.A), std::log(I.B));
    for (int64_t K = 0; K < N; ++K) {
      double Dt = std::max(std::exp(U(Gen)), I.C);
      W[K] = static_cast<float>(Dt + std::log(-std::expm1(-Dt)));
    }
    return;
  }
  }
}

void ParamStore::initialize(uint64_t Seed) {
  for (const auto &P : Table)
    initOne(*P, data(*P), Seed * 1000003ULL + P->index() * 7919ULL + 1);
}
