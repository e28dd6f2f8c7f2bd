//===- tests/nvrtc/ArenaTest.cpp - Device memory planning without a GPU ---===//
//
/// \file
/// planArena: class sizes, 256-byte alignment, alias sharing, optimizer
/// state slots, activation reuse (no two simultaneously live activations
/// overlap) and errors for malformed plans.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Arena.h"
#include "tests/nvrtc/GpuTestUtil.h"

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

void addBuffer(Plan &P, unsigned Id, int64_t N, PlanBuffer::Role R,
               const char *DType = "f32") {
  PlanBuffer B;
  B.ValueId = Id;
  B.Elements = N;
  B.R = R;
  B.DType = DType;
  P.Buffers.push_back(B);
}

/// A kernel step touching \p Ids (buffer args in order).
void addKernel(Plan &P, std::initializer_list<unsigned> Ids) {
  KernelSpec K;
  K.Name = "hybc_k" + std::to_string(P.Kernels.size());
  for (unsigned Id : Ids) {
    KernelArg A;
    A.ValueId = Id;
    K.Args.push_back(A);
  }
  PlanStep S;
  S.K = PlanStep::Kernel;
  S.KernelIndex = unsigned(P.Kernels.size());
  P.Kernels.push_back(K);
  P.Steps.push_back(S);
}

void addAlias(Plan &P, unsigned Dst, unsigned Src) {
  PlanStep S;
  S.K = PlanStep::Alias;
  S.Dst = Dst;
  S.Src = Src;
  P.Steps.push_back(S);
}

/// w(1) g(2) tokens(3) a4 a5 a6(bf16) loss(7); alias 8 -> 5.
Plan smallPlan() {
  Plan P;
  addBuffer(P, 1, 1000, PlanBuffer::Param);
  addBuffer(P, 2, 1000, PlanBuffer::Grad);
  addBuffer(P, 3, 64, PlanBuffer::Input, "i32");
  addBuffer(P, 4, 256, PlanBuffer::Activation);
  addBuffer(P, 5, 256, PlanBuffer::Activation);
  addBuffer(P, 6, 512, PlanBuffer::Activation, "bf16");
  addBuffer(P, 7, 1, PlanBuffer::Activation);
  addKernel(P, {3, 1, 4});
  addKernel(P, {4, 5});
  addAlias(P, 8, 5);
  addKernel(P, {8, 6});
  addKernel(P, {6, 7, 2});
  P.LossValue = 7;
  return P;
}

/// [first, last] step of every value's slot owner, from the plan itself.
std::map<unsigned, std::pair<int, int>> lifetimes(const Plan &P) {
  std::map<unsigned, std::pair<int, int>> L;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    llvm::SmallVector<unsigned, 8> Vals;
    valuesOfStep(P, P.Steps[I], Vals);
    for (unsigned V : Vals) {
      auto It = L.emplace(V, std::make_pair(int(I), int(I))).first;
      It->second.second = int(I);
    }
  }
  return L;
}

TEST(Arena, ClassesAlignmentAndAliases) {
  Plan P = smallPlan();
  ArenaOptions O;
  O.ReuseActivations = false;
  O.OptStateBytes = {4000, 4000};
  llvm::Expected<ArenaPlan> AP = planArena(P, O);
  HYBC_ASSERT_EXPECTED(AP);
  EXPECT_EQ(AP->classBytes(ArenaClass::Params), 4096u);
  EXPECT_EQ(AP->classBytes(ArenaClass::Grads), 4096u);
  EXPECT_EQ(AP->classBytes(ArenaClass::OptState), 8192u);
  // tokens 256 + a4 1024 + a5 1024 + a6 1024 + loss 256.
  EXPECT_EQ(AP->classBytes(ArenaClass::Activations), 3584u);
  EXPECT_EQ(AP->ActivationBytesNoReuse, 3584u);
  for (const auto &KV : AP->Values)
    EXPECT_EQ(KV.second.Offset % kArenaAlignment, 0u) << "%" << KV.first;
  EXPECT_EQ(AP->Values[1].Class, ArenaClass::Params);
  EXPECT_EQ(AP->Values[2].Class, ArenaClass::Grads);
  EXPECT_EQ(AP->Values[3].Class, ArenaClass::Activations);
  EXPECT_EQ(AP->Values[6].Bytes, 1024u) << "bf16 is 2 bytes";
  EXPECT_EQ(AP->Values[8].Offset, AP->Values[5].Offset);
  EXPECT_EQ(AP->Values[8].Class, AP->Values[5].Class);
  ASSERT_EQ(AP->OptState.size(), 2u);
  EXPECT_EQ(AP->OptState[1].Offset, 4096u);
}

/// Checks that no two activation slots with overlapping lifetimes overlap
/// in memory (aliases of one buffer excepted).
void checkNoLiveOverlap(const Plan &P, const ArenaPlan &AP) {
  auto Life = lifetimes(P);
  int Last = int(P.Steps.size()) - 1;
  auto Span = [&](unsigned V) {
    const PlanBuffer *B = nullptr;
    for (const PlanBuffer &X : P.Buffers)
      if (X.ValueId == V)
        B = &X;
    bool Whole =
        (B && B->R == PlanBuffer::Input) || V == P.LossValue || !Life.count(V);
    return Whole ? std::make_pair(0, Last) : Life[V];
  };
  for (const PlanBuffer &A : P.Buffers)
    for (const PlanBuffer &B : P.Buffers) {
      const ArenaSlot &SA = AP.Values.find(A.ValueId)->second;
      const ArenaSlot &SB = AP.Values.find(B.ValueId)->second;
      if (A.ValueId >= B.ValueId || SA.Class != ArenaClass::Activations ||
          SB.Class != ArenaClass::Activations)
        continue;
      auto LA = Span(A.ValueId), LB = Span(B.ValueId);
      bool TimeOverlap = LA.first <= LB.second && LB.first <= LA.second;
      bool MemOverlap =
          SA.Offset < SB.Offset + std::max<uint64_t>(SB.Bytes, 1) &&
          SB.Offset < SA.Offset + std::max<uint64_t>(SA.Bytes, 1);
      EXPECT_FALSE(TimeOverlap && MemOverlap)
          << "%" << A.ValueId << " and %" << B.ValueId << " share memory";
    }
}

TEST(Arena, ActivationReuseIsSafeAndSmaller) {
  Plan P;
  for (unsigned I = 0; I < 8; ++I)
    addBuffer(P, 10 + I, 1024, PlanBuffer::Activation);
  addBuffer(P, 99, 1, PlanBuffer::Activation);
  for (unsigned I = 0; I < 7; ++I)
    addKernel(P, {10 + I, 10 + I + 1});
  addKernel(P, {17, 99});
  P.LossValue = 99;
  llvm::Expected<ArenaPlan> AP = planArena(P, ArenaOptions());
  HYBC_ASSERT_EXPECTED(AP);
  EXPECT_LT(AP->classBytes(ArenaClass::Activations),
            AP->ActivationBytesNoReuse);
  EXPECT_EQ(AP->classBytes(ArenaClass::Activations), 2 * 4096u + 256u);
  checkNoLiveOverlap(P, *AP);
  Plan S = smallPlan();
  llvm::Expected<ArenaPlan> AS = planArena(S, ArenaOptions());
  HYBC_ASSERT_EXPECTED(AS);
  checkNoLiveOverlap(S, *AS);
  EXPECT_EQ(AS->Values[8].Offset, AS->Values[5].Offset);
}

TEST(Arena, DtypeSizes) {
  EXPECT_EQ(*dtypeBytes("f32"), 4u);
  EXPECT_EQ(*dtypeBytes("bf16"), 2u);
  EXPECT_EQ(*dtypeBytes("i64"), 8u);
  EXPECT_EQ(*dtypeBytes("u8"), 1u);
  HYBC_EXPECT_ERROR(dtypeBytes("f8").takeError(), "unknown dtype 'f8'");
}

TEST(Arena, MalformedPlansAreErrors) {
  Plan Dup = smallPlan();
  addBuffer(Dup, 4, 1, PlanBuffer::Activation);
  HYBC_EXPECT_ERROR(planArena(Dup, ArenaOptions()).takeError(),
                    "value %4 has two PlanBuffers");
  Plan Unknown = smallPlan();
  addKernel(Unknown, {42});
  HYBC_EXPECT_ERROR(planArena(Unknown, ArenaOptions()).takeError(),
                    "plan step 5", "value %42 has no PlanBuffer");
  Plan BadType = smallPlan();
  BadType.Buffers[3].DType = "complex";
  HYBC_EXPECT_ERROR(planArena(BadType, ArenaOptions()).takeError(), "buffer %4",
                    "unknown dtype 'complex'");
  Plan Cycle = smallPlan();
  addAlias(Cycle, 20, 21);
  addAlias(Cycle, 21, 20);
  HYBC_EXPECT_ERROR(planArena(Cycle, ArenaOptions()).takeError(), "cycle");
}

TEST(Arena, ResidentParamsUseTheGivenOffsets) {
  Plan P = smallPlan();
  P.Buffers[0].ParamIndex = 1; // w is parameter 1, its gradient too
  P.Buffers[1].ParamIndex = 1;
  ArenaOptions O;
  O.ParamOffsets = {0, 4096};
  O.ParamBytes = 8192;
  auto AP = planArena(P, O);
  ASSERT_TRUE(bool(AP)) << toString(AP.takeError());
  EXPECT_EQ(AP->Values[1].Class, ArenaClass::Params);
  EXPECT_EQ(AP->Values[1].Offset, 4096u);
  EXPECT_EQ(AP->Values[2].Class, ArenaClass::Grads);
  EXPECT_EQ(AP->Values[2].Offset, 4096u);
  EXPECT_EQ(AP->classBytes(ArenaClass::Params), 8192u);
  EXPECT_EQ(AP->classBytes(ArenaClass::Grads), 8192u);
  // 1000 floats do not fit a slot that starts 96 bytes before the end.
  O.ParamOffsets = {0, 8096};
  HYBC_EXPECT_ERROR(planArena(P, O).takeError(),
                    "does not fit its resident slot");
  O.ParamOffsets = {0};
  HYBC_EXPECT_ERROR(planArena(P, O).takeError(),
                    "outside the resident layout");
}

TEST(Arena, AliasStepsDoNotExtendLifetimes) {
  // An accumulation alias (all sit at the start of a plan) names %5 before
  // its producer runs; %4 dies before that, so the two may share memory.
  Plan P;
  addBuffer(P, 4, 256, PlanBuffer::Activation);
  addBuffer(P, 5, 256, PlanBuffer::Activation);
  addBuffer(P, 6, 256, PlanBuffer::Activation);
  addAlias(P, 7, 5);
  addKernel(P, {4});
  addKernel(P, {4, 6});
  addKernel(P, {6, 7});
  addKernel(P, {5});
  auto AP = planArena(P, ArenaOptions());
  ASSERT_TRUE(bool(AP)) << toString(AP.takeError());
  EXPECT_EQ(AP->Values[4].Offset, AP->Values[5].Offset);
  EXPECT_EQ(AP->Values[7].Offset, AP->Values[5].Offset);
  EXPECT_NE(AP->Values[6].Offset, AP->Values[5].Offset);
}

TEST(Arena, PerUpdateResultsLiveForTheWholeStep) {
  // %5 (a weight copy made by a PerUpdate step) is read again by the next
  // micro-batch, whose run skips the copy: no other value may take its
  // slot, even one that lives only before the copy or after its last use.
  Plan P;
  addBuffer(P, 1, 1000, PlanBuffer::Param);
  addBuffer(P, 4, 256, PlanBuffer::Activation);
  addBuffer(P, 5, 256, PlanBuffer::Activation, "bf16");
  addBuffer(P, 6, 256, PlanBuffer::Activation);
  addKernel(P, {4});
  addKernel(P, {1, 5});
  P.Steps.back().PerUpdate = true;
  addKernel(P, {5});
  addKernel(P, {6});
  auto AP = planArena(P, ArenaOptions());
  ASSERT_TRUE(bool(AP)) << toString(AP.takeError());
  EXPECT_NE(AP->Values[4].Offset, AP->Values[5].Offset);
  EXPECT_NE(AP->Values[6].Offset, AP->Values[5].Offset);
  // Without the flag it shares theirs.
  P.Steps[1].PerUpdate = false;
  auto Plain = planArena(P, ArenaOptions());
  ASSERT_TRUE(bool(Plain)) << toString(Plain.takeError());
  EXPECT_EQ(Plain->Values[5].Offset, Plain->Values[4].Offset);
}

} // namespace
