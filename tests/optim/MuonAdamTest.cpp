//===- tests/optim/MuonAdamTest.cpp - Muon and Adam step tests ------------===//
///
/// \file
/// Muon and Adam against float64 references (tests/optim/reference_values.py
/// prints the constants) and hand-derived properties.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Adam.h"
#include "runtime/optim/Muon.h"

#include "gtest/gtest.h"

#include <cmath>
#include <vector>

using namespace hybc::optim;

namespace {

// Printed by reference_values.py (float64 arithmetic).
const double kMuonWide[] = {7.742008561090e-02, -2.513128342100e-01,
                            3.243380144185e-01, 3.532280292549e-01,
                            5.077861400222e-01, -6.078886127515e-01};
const double kMuonWideEqRWd[] = {8.064348779749e-02, -2.423812989186e-01,
                                 3.233890480601e-01, 3.354131649356e-01,
                                 5.114061955753e-01, -6.009308844203e-01};
const double kMuonTall[] = {7.234536565549e-02,  3.427162687051e-01,
                            -2.628451305353e-01, 5.095360350601e-01,
                            3.298078583389e-01,  -6.096615380098e-01};
const double kAdamP[] = {4.748906996324e-01, -9.900428758511e-01,
                         1.999850229597e+00};
const double kAdamM[] = {3.010000000000e-02, 1.280000000000e-02,
                         -2.195000000000e-02};
const double kAdamV[] = {4.851250000000e-03, 4.280000000000e-03,
                         8.212812500000e-03};
const double kAdamL2P[] = {4.732709289686e-01, -9.803465392309e-01,
                           1.984786363058e+00};
const double kAdamWP[] = {4.734212760514e-01, -9.870685485444e-01,
                          1.993869742702e+00};

const float kW0[] = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f};
const float kG[2][6] = {{0.01f, 0.02f, -0.03f, 0.04f, -0.05f, 0.06f},
                        {-0.02f, 0.03f, 0.01f, 0.05f, 0.01f, -0.04f}};

/// Transpose of a 2x3 array into 3x2.
std::vector<float> t23(const float *X) {
  return {X[0], X[3], X[1], X[4], X[2], X[5]};
}

/// Two Muon steps (steps 0 and 1) in fp32 mode.
std::vector<float> runMuon(bool Tall, bool EqR, double Wd) {
  MuonConfig Cfg;
  Cfg.Prec = Precision::Fp32;
  Cfg.EqR = EqR;
  Cfg.WeightDecay = Wd;
  std::vector<float> W = Tall ? t23(kW0) : std::vector<float>(kW0, kW0 + 6);
  std::vector<float> Buf(6, 0.0f);
  for (int Step = 0; Step < 2; ++Step) {
    std::vector<float> G =
        Tall ? t23(kG[Step]) : std::vector<float>(kG[Step], kG[Step] + 6);
    ParamView V{W.data(), Tall ? 3 : 2, Tall ? 2 : 3};
    muonStep(V, G, Buf, 0.04, muonMomentum(Step, Cfg), Cfg);
  }
  return W;
}

TEST(Muon, MomentumWarmup) {
  MuonConfig Cfg; // 0.85 -> 0.95 over 500 steps.
  EXPECT_DOUBLE_EQ(muonMomentum(0, Cfg), 0.85);
  EXPECT_NEAR(muonMomentum(250, Cfg), 0.90, 1e-15);
  EXPECT_DOUBLE_EQ(muonMomentum(500, Cfg), 0.95);
  EXPECT_DOUBLE_EQ(muonMomentum(9000, Cfg), 0.95);
  Cfg.MomentumWarmupSteps = 0;
  EXPECT_DOUBLE_EQ(muonMomentum(0, Cfg), 0.95);
}

TEST(Muon, TwoStepsMatchReference2x3) {
  std::vector<float> W = runMuon(false, false, 0.0);
  for (int I = 0; I < 6; ++I)
    EXPECT_NEAR(W[I], kMuonWide[I], 2e-6) << I;
}

TEST(Muon, EqRAndDecoupledWeightDecayMatchReference) {
  std::vector<float> W = runMuon(false, true, 0.04);
  for (int I = 0; I < 6; ++I)
    EXPECT_NEAR(W[I], kMuonWideEqRWd[I], 2e-6) << I;
}

TEST(Muon, TallMatrixScaledBySqrtAspect) {
  std::vector<float> W = runMuon(true, false, 0.0);
  for (int I = 0; I < 6; ++I)
    EXPECT_NEAR(W[I], kMuonTall[I], 2e-6) << I;
}

TEST(Muon, MomentumBufferAndDecayOrder) {
  // Zero gradient: buf stays 0, U = 0, so only the decay acts.
  MuonConfig Cfg;
  Cfg.WeightDecay = 0.5;
  std::vector<float> W = {1.0f, 2.0f, -4.0f, 8.0f};
  std::vector<float> G(4, 0.0f), Buf(4, 0.0f);
  llvm::SmallVector<float, 0> U(4, 0.0f);
  muonApply(W, U, 0.1, Cfg.WeightDecay); // W *= 1 - 0.05.
  EXPECT_FLOAT_EQ(W[3], 8.0f * 0.95f);
  // Buffer recursion: buf = mu*buf + g.
  std::vector<float> G1 = {1.0f, 0.0f, 0.0f, 1.0f};
  muonDirection(G1, Buf, 2, 2, 0.5, Cfg, U);
  EXPECT_EQ(Buf[0], 1.0f);
  muonDirection(G1, Buf, 2, 2, 0.5, Cfg, U);
  EXPECT_EQ(Buf[0], 1.5f);
  EXPECT_EQ(Buf[1], 0.0f);
}

TEST(Adam, FirstStepMovesByLrTimesSign) {
  // Hand-derived: after one step m_hat = g, v_hat = g^2, so the update is
  // lr * g / (|g| + eps) ~= lr * sign(g).
  AdamConfig Cfg;
  std::vector<float> P = {0.5f, -1.0f, 2.0f}, G = {0.1f, -0.2f, 0.05f};
  std::vector<float> M(3, 0.0f), V(3, 0.0f);
  adamStep(P, G, M, V, 1, 0.01, Cfg);
  EXPECT_NEAR(P[0], 0.49, 1e-7);
  EXPECT_NEAR(P[1], -0.99, 1e-7);
  EXPECT_NEAR(P[2], 1.99, 1e-7);
  EXPECT_FLOAT_EQ(M[0], 0.01f);  // (1 - 0.9) * 0.1
  EXPECT_FLOAT_EQ(V[1], 0.002f); // (1 - 0.95) * 0.04
}

/// Three Adam steps from P0 with the reference_values.py gradients.
std::vector<float> runAdam(AdamConfig Cfg, std::vector<float> *M = nullptr,
                           std::vector<float> *V = nullptr) {
  const float Grads[3][3] = {
      {0.1f, -0.2f, 0.05f}, {0.3f, 0.1f, -0.4f}, {-0.05f, 0.2f, 0.1f}};
  std::vector<float> P = {0.5f, -1.0f, 2.0f}, Ms(3, 0.0f), Vs(3, 0.0f);
  for (int T = 0; T < 3; ++T)
    adamStep(P, llvm::ArrayRef<float>(Grads[T], 3), Ms, Vs, T + 1, 0.01, Cfg);
  if (M)
    *M = Ms;
  if (V)
    *V = Vs;
  return P;
}

TEST(Adam, ThreeStepsMatchReference) {
  std::vector<float> M, V;
  std::vector<float> P = runAdam(AdamConfig(), &M, &V);
  for (int I = 0; I < 3; ++I) {
    EXPECT_NEAR(P[I], kAdamP[I], 1e-6) << I;
    EXPECT_NEAR(M[I], kAdamM[I], 1e-8) << I;
    EXPECT_NEAR(V[I], kAdamV[I], 1e-8) << I; // fp32 (1 - beta2)
  }
}

TEST(Adam, WeightDecayModesMatchReference) {
  AdamConfig L2;
  L2.WeightDecay = 0.1;
  AdamConfig W = L2;
  W.WdMode = AdamWeightDecay::Decoupled;
  std::vector<float> P2 = runAdam(L2), PW = runAdam(W);
  for (int I = 0; I < 3; ++I) {
    EXPECT_NEAR(P2[I], kAdamL2P[I], 1e-6) << I;
    EXPECT_NEAR(PW[I], kAdamWP[I], 1e-6) << I;
  }
}

TEST(Adam, Bf16StateStaysBf16) {
  AdamConfig Cfg;
  Cfg.Bf16 = true;
  std::vector<float> M, V;
  std::vector<float> P = runAdam(Cfg, &M, &V);
  for (int I = 0; I < 3; ++I) {
    EXPECT_TRUE(isBf16Exact(P[I]) && isBf16Exact(M[I]) && isBf16Exact(V[I]));
    EXPECT_NEAR(P[I], kAdamP[I], 1e-2) << I; // bf16 resolution near 2.0
  }
  // The rounding really happens: bf16 mode differs from fp32 mode.
  std::vector<float> F = runAdam(AdamConfig());
  EXPECT_NE(P[0], F[0]);
}

} // namespace
