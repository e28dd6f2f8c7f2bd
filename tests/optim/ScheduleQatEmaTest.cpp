//===- tests/optim/ScheduleQatEmaTest.cpp - LR, QAT and EMA tests ---------===//
///
/// \file
/// Table tests of the LR multiplier (iteration and wallclock modes, cosine,
/// warm-up), late-QAT fake quantisation and latch, and the weight EMA.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Ema.h"
#include "runtime/optim/LrSchedule.h"
#include "runtime/optim/Qat.h"

#include "gtest/gtest.h"

#include <cmath>
#include <vector>

using namespace hybc::optim;

namespace {

struct LrRow {
  int64_t Step;
  double ElapsedMs;
  double Expected;
};

void checkTable(const LrScheduleConfig &Cfg, llvm::ArrayRef<LrRow> Rows) {
  for (const LrRow &R : Rows)
    EXPECT_NEAR(lrMultiplier(R.Step, R.ElapsedMs, Cfg), R.Expected, 1e-12)
        << "step " << R.Step << " elapsed " << R.ElapsedMs;
}

TEST(LrSchedule, IterationModeWarmdownLongerThanRun) {
  LrScheduleConfig Cfg;
  Cfg.Iterations = 1000;
  Cfg.WarmdownIters = 3500;
  const LrRow Rows[] = {{0, 0.0, 1000.0 / 3500.0},
                        {500, 0.0, 500.0 / 3500.0},
                        {999, 0.0, 1.0 / 3500.0},
                        {1000, 0.0, 1.0}}; // step >= iterations: 1 (script).
  checkTable(Cfg, Rows);
  EXPECT_NEAR(lrMultiplier(0, 0.0, Cfg), 0.2857142857, 1e-10);
}

TEST(LrSchedule, IterationModeBaseline) {
  LrScheduleConfig Cfg; // 20000 iterations, warmdown 1200.
  const LrRow Rows[] = {{0, 0.0, 1.0},
                        {18799, 0.0, 1.0},
                        {18800, 0.0, 1.0},
                        {19400, 0.0, 0.5},
                        {19999, 0.0, 1.0 / 1200.0}};
  checkTable(Cfg, Rows);
  Cfg.WarmdownIters = 0;
  EXPECT_EQ(lrMultiplier(19999, 0.0, Cfg), 1.0);
}

TEST(LrSchedule, WallclockMode) {
  LrScheduleConfig Cfg;
  Cfg.MaxWallclockMs = 600000.0;
  const LrRow Rows[] = {{0, 0.0, 1.0},
                        {1000, 45000.0, 1.0},
                        {12000, 550000.0, 50000.0 / 55000.0},
                        {13000, 590000.0, 130000000.0 / 708000000.0},
                        {13780, 600038.0, 0.0}};
  checkTable(Cfg, Rows);
}

TEST(LrSchedule, CosineShapeAndWarmup) {
  LrScheduleConfig Cfg;
  Cfg.Iterations = 1000;
  Cfg.WarmdownIters = 1000;
  Cfg.Shape = WarmdownShape::Cosine;
  const double Pi = 3.14159265358979323846;
  const LrRow Rows[] = {{0, 0.0, 1.0},
                        {500, 0.0, 0.5},
                        {750, 0.0, 0.5 * (1.0 + std::cos(Pi * 0.75))},
                        {999, 0.0, 0.5 * (1.0 + std::cos(Pi * 0.999))}};
  checkTable(Cfg, Rows);
  EXPECT_NEAR(lrMultiplier(750, 0.0, Cfg), 0.1464466094, 1e-9);
  LrScheduleConfig W;
  W.WarmupSteps = 10;
  const LrRow Warm[] = {
      {0, 0.0, 0.1}, {4, 0.0, 0.5}, {9, 0.0, 1.0}, {10, 0.0, 1.0}};
  checkTable(W, Warm);
  EXPECT_EQ(warmdownMultiplier(0, 0.0, W), 1.0); // no warm-up: what QAT sees
}

TEST(Qat, PerRowFakeQuantInt6) {
  const std::vector<float> W = {0.5f,  -0.25f, 0.1f,  2.0f,
                                0.01f, -0.02f, 0.05f, 0.0f};
  std::vector<float> Q(W.size());
  fakeQuantize(W, 2, 4, 6, true, Precision::Fp32, Q);
  const float S0 = 2.0f / 31.0f, S1 = 1.0f / 31.0f; // row 1 clamps to 1/qmax.
  const float Expected[] = {8 * S0, -4 * S0, 2 * S0, 31 * S0,
                            0.0f,   -1 * S1, 2 * S1, 0.0f};
  for (size_t I = 0; I < W.size(); ++I)
    EXPECT_NEAR(Q[I], Expected[I], 1e-7) << I;
  EXPECT_EQ(qatQmax(6), 31);
  EXPECT_EQ(qatQmax(8), 127);
}

TEST(Qat, RoundHalfEvenAndPerTensor) {
  // qmax 3 and absmax 3 give scale 1, so w/s are exact halves.
  const std::vector<float> W = {3.0f, 2.5f, -2.5f, 1.5f, 0.5f, -0.5f};
  for (Precision P :
       {Precision::Fp32, Precision::Bf16Eager, Precision::Bf16Compiled}) {
    std::vector<float> Q(W.size());
    fakeQuantize(W, 1, 6, 3, true, P, Q);
    const float Expected[] = {3.0f, 2.0f, -2.0f, 2.0f, 0.0f, 0.0f};
    for (size_t I = 0; I < W.size(); ++I)
      EXPECT_EQ(Q[I], Expected[I]) << I;
  }
  // Per-tensor: one scale (absmax 3 over both "rows").
  std::vector<float> W2 = {0.9f, 0.1f, 3.0f, -1.2f}, Q2(4);
  fakeQuantize(W2, 2, 2, 3, false, Precision::Fp32, Q2);
  const float Expected2[] = {1.0f, 0.0f, 3.0f, -1.0f};
  for (size_t I = 0; I < 4; ++I)
    EXPECT_EQ(Q2[I], Expected2[I]) << I;
}

TEST(Qat, Bf16OutputsAndAppliesTo) {
  std::vector<float> W = {0.123f, -0.456f, 0.789f, 1.234f}, Q(4);
  fakeQuantize(W, 1, 4, 6, true, Precision::Bf16Compiled, Q);
  for (float V : Q)
    EXPECT_TRUE(isBf16Exact(V));
  QatConfig Cfg;
  EXPECT_FALSE(qatAppliesTo(65536, Cfg)); // numel must exceed 65,536.
  EXPECT_TRUE(qatAppliesTo(65537, Cfg));
  EXPECT_EQ(qatEmbedBits(Cfg), 6);
  Cfg.EmbedBits = 8;
  EXPECT_EQ(qatEmbedBits(Cfg), 8);
}

TEST(Qat, LateQatLatchMatchesIzRun) {
  // IZ: 1000 iterations, warmdown 3500: QAT turned on at step 476.
  LrScheduleConfig Sched;
  Sched.Iterations = 1000;
  Sched.WarmdownIters = 3500;
  LateQat Q(QatConfig{});
  int64_t EnabledAt = -1;
  for (int64_t Step = 0; Step < 1000; ++Step)
    if (Q.update(warmdownMultiplier(Step, 0.0, Sched)))
      EnabledAt = Step;
  EXPECT_EQ(EnabledAt, 476);
  EXPECT_TRUE(Q.active());
  EXPECT_FALSE(Q.update(0.0)); // latched: no second "enable".
  QatConfig Off;
  Off.Threshold = 0.0;
  LateQat Never(Off);
  EXPECT_FALSE(Never.update(0.0));
  EXPECT_FALSE(Never.active());
}

TEST(Ema, UpdateFormAndSwap) {
  Ema E(0.997);
  std::vector<float> P = {0.0f, 0.0f}, Emb = {1.0f, -1.0f};
  E.addTensor("w", P);
  E.addTensor("tok_emb.weight", Emb, /*Bf16=*/true);
  P = {1.0f, 2.0f};
  Emb = {1.0078125f, -1.0f};
  E.update({P.data(), Emb.data()});
  const float OneMinusD = static_cast<float>(1.0 - 0.997);
  EXPECT_EQ(E.shadow(0)[0], OneMinusD * 1.0f);
  EXPECT_EQ(E.shadow(0)[1], OneMinusD * 2.0f);
  double Ref = 0.997 * 0.003 + 0.003 * 5.0;
  P = {5.0f, 2.0f};
  E.update({P.data(), Emb.data()});
  EXPECT_NEAR(E.shadow(0)[0], Ref, 1e-8);
  const float ShadowEmb = E.shadow(1)[0];
  EXPECT_FALSE(isBf16Exact(ShadowEmb)); // fp32 shadow of a bf16 param.

  std::vector<float> LiveP = P, LiveEmb = Emb;
  E.swapIn({P.data(), Emb.data()});
  EXPECT_EQ(P[0], E.shadow(0)[0]);
  EXPECT_EQ(Emb[0], roundToBf16(ShadowEmb));
  E.swapOut({P.data(), Emb.data()});
  EXPECT_EQ(P, LiveP);
  EXPECT_EQ(Emb, LiveEmb);
  EXPECT_EQ(E.shadow(1)[0], ShadowEmb); // shadow untouched by the swap.
}

TEST(Ema, SerializeRoundTrip) {
  Ema A(0.997), B(0.5);
  std::vector<float> P = {0.25f, -3.0f, 7.0f};
  A.addTensor("p", P);
  B.addTensor("p", std::vector<float>(3, 0.0f));
  P = {1.0f, 1.0f, 1.0f};
  A.update({P.data()});
  llvm::SmallVector<char, 0> Bytes;
  A.serialize(Bytes);
  llvm::StringRef Blob(Bytes.data(), Bytes.size());
  ASSERT_FALSE(static_cast<bool>(B.restore(Blob, "ema")));
  EXPECT_EQ(B.decay(), 0.997);
  for (int I = 0; I < 3; ++I)
    EXPECT_EQ(B.shadow(0)[I], A.shadow(0)[I]);
  Ema C(0.997);
  C.addTensor("q", P);
  llvm::Error Err = C.restore(Blob, "ema 'x.bin'");
  ASSERT_TRUE(static_cast<bool>(Err));
  EXPECT_NE(llvm::toString(std::move(Err)).find("expected 'q'"),
            std::string::npos);
}

} // namespace
