//===- tests/codegen/FusionTest.cpp - Fusion decisions --------------------===//
//
// decideFusion on the mini hybrid and on hand-built graphs: which row ops
// share a kernel, which values are written, which adds become accumulating
// GEMMs, and that no group ever runs before a producer or after a consumer.
//
//===----------------------------------------------------------------------===//
#include "CodegenTestUtil.h"

#include "codegen/Fusion.h"

#include "gtest/gtest.h"

using namespace hybc;
using namespace hybc::ir;

namespace {

const Op *firstOf(const Graph &G, OpKind K) {
  for (const auto &O : G.ops())
    if (O->kind() == K)
      return O.get();
  return nullptr;
}

unsigned indexOf(const Graph &G, const Op *O) {
  for (unsigned I = 0; I < G.ops().size(); ++I)
    if (G.ops()[I].get() == O)
      return I;
  return ~0u;
}

TEST(Fusion, ResidMixAndRmsNormShareAKernel) {
  auto M = test::miniModel();
  auto G = test::stepGraph(*M, false, false);
  FusionPlan F = decideFusion(*G);
  const Op *Mix = firstOf(*G, OpKind::ResidMix);
  ASSERT_NE(Mix, nullptr);
  const Op *Norm = nullptr;
  for (const auto &O : G->ops())
    if (O->kind() == OpKind::RmsNorm && O->operand(0) == Mix->result())
      Norm = O.get();
  ASSERT_NE(Norm, nullptr);
  ASSERT_TRUE(F.GroupOf.count(Mix) && F.GroupOf.count(Norm));
  EXPECT_EQ(F.GroupOf.lookup(Mix), F.GroupOf.lookup(Norm));
  // The mixed residual is read again later (scaled_add, backward): written.
  EXPECT_TRUE(F.Materialized.count(Mix->result()));
}

TEST(Fusion, IntermediatesStayInRegisters) {
  auto M = test::miniModel();
  auto G = test::stepGraph(*M, false, false);
  FusionPlan F = decideFusion(*G);
  unsigned InRegisters = 0;
  for (const FusionGroup &Gr : F.Groups)
    for (const Op *O : Gr.Ops)
      for (const Value *V : O->results())
        if (!isReduceResult(O->kind(), V->resultNo()) &&
            !F.Materialized.count(V))
          ++InRegisters;
  EXPECT_GT(InRegisters, 5u);
}

TEST(Fusion, TiedEmbeddingGradientAccumulatesIntoOneBuffer) {
  auto M = test::miniModel();
  auto G = test::stepGraph(*M, false, false);
  FusionPlan F = decideFusion(*G);
  const Value *TokGrad = nullptr;
  for (const auto &PG : G->ParamGrads)
    if (PG.first->name() == "tok_emb.weight")
      TokGrad = PG.second;
  ASSERT_NE(TokGrad, nullptr);
  bool Found = false;
  for (const GemmAccumulation &A : F.Accumulations) {
    EXPECT_EQ(A.MatMul->kind(), OpKind::MatMul);
    EXPECT_TRUE(A.Add->operand(0) == A.Into || A.Add->operand(1) == A.Into);
    Found |= A.Add->result() == TokGrad;
  }
  EXPECT_TRUE(Found);
}

TEST(Fusion, SmearGateReadsItsInputFromMemory) {
  auto M = test::miniModel();
  auto G = test::stepGraph(*M, false, false);
  FusionPlan F = decideFusion(*G);
  for (OpKind K : {OpKind::SmearGate, OpKind::SmearGateBwd}) {
    const Op *S = firstOf(*G, K);
    ASSERT_NE(S, nullptr);
    const Op *In = S->operand(0)->def();
    if (F.GroupOf.count(In)) {
      EXPECT_NE(F.GroupOf.lookup(In), F.GroupOf.lookup(S));
    }
  }
}

TEST(Fusion, GroupsRespectEveryProducerAndConsumer) {
  auto M = test::miniModel();
  for (bool R : {false, true}) {
    auto G = test::stepGraph(*M, R, true);
    FusionPlan F = decideFusion(*G);
    for (unsigned Gi = 0; Gi < F.Groups.size(); ++Gi) {
      const FusionGroup &Gr = F.Groups[Gi];
      EXPECT_EQ(indexOf(*G, Gr.Ops.back()), Gr.Position);
      for (const auto &O : G->ops()) {
        bool Inside =
            F.GroupOf.count(O.get()) && F.GroupOf.lookup(O.get()) == Gi;
        if (Inside)
          continue;
        unsigned Pos = indexOf(*G, O.get());
        for (const Value *V : O->operands()) {
          if (F.GroupOf.count(V->def()) && F.GroupOf.lookup(V->def()) == Gi) {
            EXPECT_GT(Pos, Gr.Position) << "%" << V->id();
          }
        }
      }
    }
  }
}

TEST(Fusion, RowFusionCanBeTurnedOff) {
  auto M = test::miniModel();
  auto G = test::stepGraph(*M, false, false);
  FusionOptions O;
  O.RowFusion = false;
  FusionPlan F = decideFusion(*G, O);
  ASSERT_FALSE(F.Groups.empty());
  for (const FusionGroup &Gr : F.Groups)
    EXPECT_EQ(Gr.Ops.size(), 1u);
  EXPECT_EQ(F.Groups.size(), F.GroupOf.size());
}

/// x -> silu -> {relu2, matmul}: the order of the matmul decides.
std::unique_ptr<Graph> branchGraph(Param &W, Param &X, bool MatmulFirst) {
  auto G = std::make_unique<Graph>();
  TensorType Ty(DType::F32, {4, 8});
  Value *In = G->paramRef(&X);
  Value *S = G->create(OpKind::Silu, {In}, {Ty})->result();
  Attr MM[] = {intAttr("ta", 0), intAttr("tb", 1)};
  if (MatmulFirst)
    G->create(OpKind::MatMul, {S, G->paramRef(&W)}, {Ty}, MM);
  G->create(OpKind::Relu2, {S}, {Ty});
  if (!MatmulFirst)
    G->create(OpKind::MatMul, {S, G->paramRef(&W)}, {Ty}, MM);
  return G;
}

TEST(Fusion, NoGroupMovesPastAnEarlierConsumer) {
  Param W("w", TensorType(DType::F32, {8, 8}), OptGroup::MuonMatrix,
          QuantClass::Matrix, ParamInit(), 0);
  Param X("x", TensorType(DType::F32, {4, 8}), OptGroup::AdamScalar,
          QuantClass::Passthrough, ParamInit(), 1);
  auto Late = branchGraph(W, X, /*MatmulFirst=*/false);
  FusionPlan FL = decideFusion(*Late);
  EXPECT_EQ(FL.Groups.size(), 1u);
  auto Early = branchGraph(W, X, /*MatmulFirst=*/true);
  FusionPlan FE = decideFusion(*Early);
  EXPECT_EQ(FE.Groups.size(), 2u);
  bool Noted = false;
  for (const auto &N : FE.Notes)
    Noted |= llvm::StringRef(N.second).startswith("not fused");
  EXPECT_TRUE(Noted);
}

} // namespace
