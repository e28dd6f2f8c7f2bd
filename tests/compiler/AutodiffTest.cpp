//===- tests/compiler/AutodiffTest.cpp - Whole-model gradient checks ------===//
//
// Central finite differences in fp64 through the CPU interpreter of the
// forward graph, against the backward graph built by the autodiff pass, for
// small hybrids with every block feature and depth recurrence.
//
//===----------------------------------------------------------------------===//
#include "../ir/TestSpecs.h"

#include "compiler/passes/Passes.h"
#include "runtime/cpu/Interpreter.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>
#include <set>

using namespace hybc;
using namespace hybc::ir;

namespace {

Spec tinyHybrid() {
  Spec S;
  S.Path = "tiny";
  S.Model.Vocab = 37;
  S.Model.DModel = 16;
  BlockSpec A = test::attnBlock(16, 4, 2, 2, MlpActivation::Relu2);
  A.Attn.VAct = ValueActivation::Silu;
  A.Attn.RopeDims = 2;
  BlockSpec M = test::mambaBlock(16, 8, 8, 2);
  S.Model.Blocks = {A, M};
  test::setPattern(S.Model, "MAMM");
  S.Model.Embed.SmearGate = true;
  S.Model.Embed.BigramHash = true;
  S.Model.Embed.BigramBuckets = 11;
  S.Model.Embed.BigramDim = 6;
  S.Model.Recurrence.Enabled = true;
  S.Model.Recurrence.First = 1;
  S.Model.Recurrence.Last = 2;
  S.Model.Recurrence.Repeats = 1;
  S.Model.Skips.Overflow = SkipOverflow::Clamp;
  return S;
}

struct Harness {
  std::unique_ptr<Model> M;
  std::unique_ptr<Graph> Fwd, Full;
  std::vector<std::vector<double>> Values;
  std::vector<int32_t> Ids, Targets;

  Harness(const Spec &S, bool Recur, int64_t B, int64_t T) {
    M = std::move(*buildModel(S));
    ForwardOptions O;
    O.Batch = B;
    O.Time = T;
    O.RecurrenceActive = Recur;
    O.Fp32CrossEntropy = false; // exact fp64 for finite differences
    Fwd = buildForward(*M, O);
    Full = buildForward(*M, O);
    EXPECT_FALSE(static_cast<bool>(autodiff(*Full, 1.0)));
    std::mt19937_64 Gen(42);
    std::normal_distribution<double> N(0.0, 0.4);
    for (const auto &P : M->Params) {
      Values.emplace_back(P->numel());
      for (double &V : Values.back())
        V = N(Gen) + (P->name().endswith("scale") ? 1.0 : 0.0);
    }
    std::uniform_int_distribution<int32_t> U(0, S.Model.Vocab - 1);
    for (int64_t K = 0; K < B * T; ++K) {
      Ids.push_back(U(Gen));
      Targets.push_back(U(Gen));
    }
  }

  double loss(const Graph &G, cpu::Interpreter<double> &I) {
    for (const auto &P : M->Params)
      I.bindParam(*P, Values[P->index()].data());
    I.bindInput("ids", Ids.data());
    I.bindInput("targets", Targets.data());
    llvm::Error E = I.run();
    EXPECT_FALSE(static_cast<bool>(E)) << llvm::toString(std::move(E));
    return I.loss();
  }
  double loss() {
    cpu::Interpreter<double> I(*Fwd);
    return loss(*Fwd, I);
  }
};

void checkGradients(Harness &H, int PerParam) {
  cpu::Interpreter<double> I(*H.Full);
  H.loss(*H.Full, I);
  std::mt19937_64 Gen(7);
  int Checked = 0;
  for (const auto &P : H.M->Params) {
    const double *G = I.grad(*P);
    if (!G)
      continue; // e.g. a skip weight no decoder step uses
    std::uniform_int_distribution<int64_t> Pick(0, P->numel() - 1);
    for (int R = 0; R < PerParam; ++R) {
      int64_t K = Pick(Gen);
      double &W = H.Values[P->index()][K];
      // Central difference with a small step (the model has kinks: relu^2,
      // the A floor clamp), so larger stencils would straddle them.
      double Saved = W, Eps = 1e-6;
      W = Saved + Eps;
      double Up = H.loss();
      W = Saved - Eps;
      double Down = H.loss();
      W = Saved;
      double Fd = (Up - Down) / (2 * Eps);
      double Tol = 1e-6 * std::max(1.0, std::abs(Fd)) + 1e-8;
      EXPECT_NEAR(G[K], Fd, Tol) << P->name().str() << "[" << K << "]";
      ++Checked;
    }
  }
  EXPECT_GT(Checked, 40);
}

TEST(Autodiff, TinyHybridWithRecurrenceMatchesFiniteDifferences) {
  Harness H(tinyHybrid(), /*Recur=*/true, 2, 9);
  checkGradients(H, 3);
}

TEST(Autodiff, TinyHybridWithoutRecurrence) {
  Harness H(tinyHybrid(), /*Recur=*/false, 1, 12);
  checkGradients(H, 2);
}

TEST(Autodiff, SharedParamsSumGradientsOverRepeats) {
  Harness H(tinyHybrid(), true, 1, 5);
  // Layers 1 and 2 run twice: their params are used by two virtual layers,
  // and the graph holds exactly one gradient per parameter.
  std::set<const Param *> Seen;
  for (const auto &PG : H.Full->ParamGrads)
    EXPECT_TRUE(Seen.insert(PG.first).second) << PG.first->name().str();
  EXPECT_TRUE(Seen.count(H.M->Params.lookup("blocks.1.attn.c_q.weight")));
}

TEST(Rematerialize, RecomputesNormsAndActivationsWithIdenticalGradients) {
  Spec S = tinyHybrid();
  Harness H(S, /*Recur=*/true, 2, 9);
  auto Remat = buildForward(*H.M, [] {
    ForwardOptions O;
    O.Batch = 2;
    O.Time = 9;
    O.RecurrenceActive = true;
    O.Fp32CrossEntropy = false;
    return O;
  }());
  ASSERT_FALSE(static_cast<bool>(autodiff(*Remat, 1.0)));
  size_t Before = Remat->ops().size();
  unsigned N = rematerialize(*Remat);
  // The attention block's two norms and its relu2 MLP input are read by
  // weight-gradient GEMMs in the backward.
  EXPECT_GT(N, 0u);
  EXPECT_EQ(Remat->ops().size(), Before + N);
  // Every recomputed value is defined before each of its users.
  std::set<const Value *> Defined;
  for (const auto &O : Remat->ops()) {
    for (const Value *V : O->operands())
      EXPECT_TRUE(Defined.count(V)) << "%" << V->id() << " used before defined";
    for (const Value *V : O->results())
      Defined.insert(V);
  }
  cpu::Interpreter<double> A(*H.Full), B(*Remat);
  double LA = H.loss(*H.Full, A), LB = H.loss(*Remat, B);
  EXPECT_EQ(LA, LB);
  for (const auto &P : H.M->Params) {
    const double *GA = A.grad(*P), *GB = B.grad(*P);
    ASSERT_EQ(GA == nullptr, GB == nullptr);
    for (int64_t K = 0; GA && K < P->numel(); ++K)
      ASSERT_EQ(GA[K], GB[K]) << P->name().str() << "[" << K << "]";
  }
}

} // namespace
