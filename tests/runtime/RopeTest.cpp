//===- tests/runtime/RopeTest.cpp - NeoX (partial) RoPE -------------------===//
///
/// \file
/// RoPE forward against an independent per-pair rotation, partial-rope
/// pass-through, the rope-dims rule of train_nemotron_hybrid.py, the bf16
/// table quirk, backward vs fp64 finite differences and fp32/fp64 agreement.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Rope.h"
#include "runtime/cpu/GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace hybc::cpu;

namespace {

struct RopeShape {
  int64_t B, T, H, Hd, R;
  int64_t size() const { return B * T * H * Hd; }
};

template <typename T>
void tables(const RopeShape &S, bool Bf16, std::vector<T> &Cos,
            std::vector<T> &Sin) {
  Cos.resize(S.T * S.R / 2);
  Sin.resize(S.T * S.R / 2);
  ropeTables<T>(S.T, S.R, 10000.0,
                Bf16 ? RopeTables::Bf16Eager : RopeTables::Exact, Cos.data(),
                Sin.data());
}

} // namespace

TEST(RopeTest, RopeDimsRuleOfNemotronScript) {
  EXPECT_EQ(ropeDimsForFraction(64, 1.0), 64);
  EXPECT_EQ(ropeDimsForFraction(64, 0.5), 32);
  EXPECT_EQ(ropeDimsForFraction(64, 0.3), 18); // int(19.2) = 19 -> 18
  EXPECT_EQ(ropeDimsForFraction(64, 0.01), 2); // max(2, 0)
}

TEST(RopeTest, ForwardMatchesPairRotationAndPassesTail) {
  const RopeShape S{2, 5, 3, 10, 6}; // partial: 6 of 10 dims rotate
  std::vector<double> Cos, Sin, X(S.size()), Y(S.size());
  tables(S, false, Cos, Sin);
  fillRandom<double>(X, 1);
  ropeForward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                      X.data(), Y.data());
  const int64_t Half = S.R / 2;
  for (int64_t Row = 0; Row < S.B * S.T; ++Row) {
    const double Pos = double(Row % S.T);
    for (int64_t H = 0; H < S.H; ++H) {
      const double *In = X.data() + (Row * S.H + H) * S.Hd;
      const double *Out = Y.data() + (Row * S.H + H) * S.Hd;
      for (int64_t I = 0; I < Half; ++I) {
        // Angle uses denominator R (the rotary dim), not HeadDim; inv_freq
        // is an fp32 buffer, as PyTorch builds it.
        const float InvF =
            1.0f / std::pow(10000.0f, float(2 * I) / float(S.R));
        const double Theta = Pos * double(InvF);
        const double C = std::cos(Theta), Sn = std::sin(Theta);
        EXPECT_NEAR(Out[I], In[I] * C + In[Half + I] * Sn, 1e-14);
        EXPECT_NEAR(Out[Half + I], -In[I] * Sn + In[Half + I] * C, 1e-14);
      }
      for (int64_t D = S.R; D < S.Hd; ++D)
        EXPECT_EQ(Out[D], In[D]);
    }
  }
}

TEST(RopeTest, InPlaceEqualsOutOfPlace) {
  const RopeShape S{1, 4, 2, 8, 8};
  std::vector<float> Cos, Sin, X(S.size()), Y(S.size());
  tables(S, false, Cos, Sin);
  fillRandom<float>(X, 2);
  ropeForward<float>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(), X.data(),
                     Y.data());
  ropeForward<float>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(), X.data(),
                     X.data());
  EXPECT_EQ(X, Y);
}

TEST(RopeTest, BackwardFiniteDifference) {
  const RopeShape S{2, 4, 2, 6, 4};
  std::vector<double> Cos, Sin, X(S.size()), Y(S.size()), DY(S.size()),
      DX(S.size());
  tables(S, false, Cos, Sin);
  fillRandom<double>(X, 3);
  fillRandom<double>(DY, 4);
  auto Loss = [&] {
    ropeForward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                        X.data(), Y.data());
    return weightedSum<double>(DY, Y);
  };
  ropeBackward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                       DY.data(), DX.data());
  llvm::SmallVector<double, 64> Num;
  finiteDifferenceGradient(Loss, X, 1e-5, Num);
  EXPECT_LE(maxRelativeError(DX, Num), 1e-6);
}

TEST(RopeTest, BackwardInvertsForward) {
  const RopeShape S{1, 7, 2, 8, 8};
  std::vector<double> Cos, Sin, X(S.size()), Y(S.size()), Back(S.size());
  tables(S, false, Cos, Sin);
  fillRandom<double>(X, 5);
  ropeForward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                      X.data(), Y.data());
  ropeBackward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                       Y.data(), Back.data());
  for (size_t I = 0; I < X.size(); ++I)
    EXPECT_NEAR(Back[I], X[I], 1e-14);
}

TEST(RopeTest, Bf16RoundingHelper) {
  EXPECT_EQ(roundToBf16(1.0f), 1.0f);
  EXPECT_EQ(roundToBf16(257.0f), 256.0f); // tie -> even mantissa
  EXPECT_EQ(roundToBf16(259.0f), 260.0f); // tie -> even mantissa
  EXPECT_EQ(roundToBf16(258.0f), 258.0f);
  EXPECT_EQ(roundToBf16(1.0f + 1.0f / 256.0f + 1e-6f), 1.0f + 1.0f / 128.0f);
  EXPECT_TRUE(std::isnan(roundToBf16(NAN)));
}

TEST(RopeTest, Bf16TablesReplicateTorchQuirk) {
  const int64_t Seq = 600, R = 64, Half = R / 2;
  std::vector<float> Cos(Seq * Half), Sin(Seq * Half), CosE(Seq * Half),
      SinE(Seq * Half);
  ropeTables<float>(Seq, R, 10000.0, RopeTables::Bf16Eager, Cos.data(),
                    Sin.data());
  ropeTables<float>(Seq, R, 10000.0, RopeTables::Exact, CosE.data(),
                    SinE.data());
  for (int64_t I = 0; I < Seq * Half; ++I) {
    EXPECT_EQ(roundToBf16(Cos[I]), Cos[I]); // every entry is a bf16 value
    EXPECT_EQ(roundToBf16(Sin[I]), Sin[I]);
  }
  // Position 0: angle 0 exactly.
  EXPECT_EQ(Cos[0], 1.0f);
  EXPECT_EQ(Sin[0], 0.0f);
  // bf16 arange: 257 -> 256, 259 -> 260, 513 -> 512 (step 4 above 512).
  for (int64_t I = 0; I < Half; ++I) {
    EXPECT_EQ(Cos[257 * Half + I], Cos[256 * Half + I]);
    EXPECT_EQ(Sin[259 * Half + I], Sin[260 * Half + I]);
    EXPECT_EQ(Sin[513 * Half + I], Sin[512 * Half + I]);
  }
  // Exact tables distinguish those positions.
  EXPECT_NE(SinE[257 * Half], SinE[256 * Half]);
  // Small positions: only bf16 rounding error (inv_freq, product, cos/sin).
  for (int64_t I = 0; I < 8 * Half; ++I)
    EXPECT_NEAR(Cos[I], CosE[I], 0.03);
}

/// torch.compile keeps fp32 angles of exact positions: only inv_freq and
/// the tables are bf16 (measured against torch 2.11 on an H200).
TEST(RopeTest, CompiledBf16TablesRoundOnlyInvFreqAndOutputs) {
  const int64_t Seq = 600, R = 64, Half = R / 2;
  std::vector<float> Cos(Seq * Half), Sin(Seq * Half);
  ropeTables<float>(Seq, R, 10000.0, RopeTables::Bf16Compiled, Cos.data(),
                    Sin.data());
  for (int64_t P : {0, 1, 255, 257, 513, 599})
    for (int64_t I = 0; I < Half; ++I) {
      const float Inv = roundToBf16(
          1.0f / std::pow(10000.0f, static_cast<float>(2 * I) / 64.0f));
      const float Angle = static_cast<float>(P) * Inv;
      EXPECT_EQ(Cos[P * Half + I], roundToBf16(std::cos(Angle))) << P;
      EXPECT_EQ(Sin[P * Half + I], roundToBf16(std::sin(Angle))) << P;
    }
  // Positions stay distinct (the eager arange would merge 257 into 256).
  EXPECT_NE(Sin[257 * Half], Sin[256 * Half]);
}

TEST(RopeTest, Float32MatchesFloat64) {
  const RopeShape S{2, 9, 3, 16, 8};
  std::vector<double> Cos, Sin, X(S.size()), Y(S.size());
  std::vector<float> Cosf, Sinf, Yf(S.size());
  tables(S, false, Cos, Sin);
  tables(S, false, Cosf, Sinf);
  fillRandom<double>(X, 6);
  std::vector<float> Xf(X.begin(), X.end());
  ropeForward<double>(S.B, S.T, S.H, S.Hd, S.R, Cos.data(), Sin.data(),
                      X.data(), Y.data());
  ropeForward<float>(S.B, S.T, S.H, S.Hd, S.R, Cosf.data(), Sinf.data(),
                     Xf.data(), Yf.data());
  for (size_t I = 0; I < Y.size(); ++I)
    EXPECT_NEAR(Yf[I], Y[I], 1e-6);
}
