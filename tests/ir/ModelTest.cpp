//===- tests/ir/ModelTest.cpp - Parameters and virtual schedules ----------===//
#include "TestSpecs.h"

#include "compiler/passes/Passes.h"
#include "ir/Model.h"

#include "gtest/gtest.h"

#include <map>
#include <set>

using namespace hybc;
using namespace hybc::ir;

namespace {

std::unique_ptr<Model> build(const Spec &S) {
  auto M = buildModel(S);
  EXPECT_TRUE(static_cast<bool>(M));
  return std::move(*M);
}

std::vector<int> order(const VirtualSchedule &S) {
  std::vector<int> O;
  for (const VirtualLayer &L : S.Layers)
    O.push_back(L.Physical);
  return O;
}

TEST(Model, BaselineParamCount) {
  auto M = build(test::baselineSpec());
  EXPECT_EQ(M->Params.totalNumel(), 17059912);
  EXPECT_EQ(M->NumSkipWeights, 4);
  EXPECT_EQ(M->Params.lookup("tok_emb.weight")->group(), OptGroup::AdamEmbed);
  EXPECT_EQ(M->Params.lookup("blocks.3.attn.c_q.weight")->group(),
            OptGroup::MuonMatrix);
  EXPECT_EQ(M->Params.lookup("blocks.3.resid_mix")->group(),
            OptGroup::AdamScalar);
}

TEST(Model, SeedParamCountAndVirtualOrder) {
  auto M = build(test::seedSpec());
  EXPECT_EQ(M->Params.totalNumel(), 26216040);
  std::vector<int> Want = {0, 1, 2, 3, 4, 3, 4, 3, 4, 5, 6, 7};
  EXPECT_EQ(order(unrollRecurrence(*M, true)), Want);
  std::vector<int> Off = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(order(unrollRecurrence(*M, false)), Off);
}

TEST(Model, RecurrenceSharesParamStorage) {
  Spec S = test::seedSpec();
  auto M = build(S);
  ForwardOptions O;
  O.Batch = 1;
  O.Time = 4;
  O.RecurrenceActive = true;
  auto G = buildForward(*M, O);
  // Every ParamRef refers to a Param owned by the model's table; the
  // repeated virtual layers 3 and 4 use the same objects as their first use.
  std::map<const Param *, std::set<int>> Layers;
  for (const auto &Op : G->ops())
    for (Value *V : Op->operands())
      if (V->def()->kind() == OpKind::ParamRef)
        Layers[V->def()->param()].insert(Op->Layer);
  const Param *InProj3 = M->Params.lookup("blocks.3.mamba3.in_proj.weight");
  const Param *Wq4 = M->Params.lookup("blocks.4.attn.c_q.weight");
  ASSERT_TRUE(InProj3 && Wq4);
  EXPECT_EQ(Layers[InProj3], (std::set<int>{3, 5, 7}));
  EXPECT_EQ(Layers[Wq4], (std::set<int>{4, 6, 8}));
  // Recurrence adds ops but never parameters.
  S.Model.Recurrence.Enabled = false;
  EXPECT_EQ(build(S)->Params.totalNumel(), M->Params.totalNumel());
}

/// rope_tables marks both rope ops of every attention layer with
/// bf16_tables = 1 (eager) or 2 (compiled); exact tables leave the attr
/// out. (Autodiff copies the attrs to rope_bwd; the hybrid_mini goldens
/// check the generated backward kernels against the interpreter.)
TEST(Model, RopeTablesReachTheRopeOps) {
  for (RopeTableMode Mode :
       {RopeTableMode::Exact, RopeTableMode::Compiled, RopeTableMode::Eager}) {
    Spec S = test::baselineSpec();
    S.Model.Blocks[0].Attn.RopeTables = Mode;
    auto M = build(S);
    ForwardOptions O;
    O.Batch = 1;
    O.Time = 4;
    auto G = buildForward(*M, O);
    int Ropes = 0, Marked = 0;
    for (const auto &Op : G->ops())
      if (Op->kind() == OpKind::Rope) {
        ++Ropes;
        Marked += Op->getInt("bf16_tables", 0) ==
                  (Mode == RopeTableMode::Eager ? 1 : 2);
      }
    EXPECT_EQ(Ropes, 18);
    EXPECT_EQ(Marked, Mode == RopeTableMode::Exact ? 0 : 18);
  }
}

TEST(Model, SkipRules) {
  // PG baseline: 9 layers, every decoder step with a non-empty stack.
  auto B = build(test::baselineSpec());
  VirtualSchedule SB = unrollRecurrence(*B, false);
  std::vector<int> W;
  for (const VirtualLayer &L : SB.Layers)
    if (L.Decoder)
      W.push_back(L.SkipWeight);
  EXPECT_EQ(W, (std::vector<int>{0, 1, 2, 3, -1}));
  // Seed: the shrinking-stack comparison applies 3 of the 6 skips.
  auto S = build(test::seedSpec());
  VirtualSchedule SS = unrollRecurrence(*S, true);
  W.clear();
  for (const VirtualLayer &L : SS.Layers)
    if (L.Decoder)
      W.push_back(L.SkipWeight);
  EXPECT_EQ(W, (std::vector<int>{0, 1, 2, -1, -1, -1}));
}

TEST(Model, DropRuleOfPr1644) {
  // 4 physical layers, loop 1..2 once: encoder [0,1,2], decoder [1,2,3];
  // skip weights 0 and 1 are used, the third skip is popped and dropped.
  Spec S = test::seedSpec();
  test::setPattern(S.Model, "MMAM");
  S.Model.Embed = EmbedSpec();
  S.Model.Recurrence.First = 1;
  S.Model.Recurrence.Last = 2;
  S.Model.Recurrence.Repeats = 1;
  S.Model.Skips.Weights = SkipWeightsRule::Virtual;
  S.Model.Skips.Overflow = SkipOverflow::Drop;
  auto M = build(S);
  EXPECT_EQ(M->NumSkipWeights, 3);
  VirtualSchedule V = unrollRecurrence(*M, true);
  EXPECT_EQ(order(V), (std::vector<int>{0, 1, 2, 1, 2, 3}));
  std::vector<std::pair<bool, int>> Got;
  for (const VirtualLayer &L : V.Layers)
    if (L.Decoder)
      Got.push_back({L.PopsSkip, L.SkipWeight});
  std::vector<std::pair<bool, int>> Want = {{true, 0}, {true, 1}, {true, -1}};
  EXPECT_EQ(Got, Want);
}

} // namespace
