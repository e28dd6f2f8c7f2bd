//===- tests/optim/StateTest.cpp - Optimizer and state round trips --------===//
///
/// \file
/// The grouped Optimizer: LR per group, null gradients, and checkpoint
/// serialise/restore giving bit-identical subsequent updates; error paths.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Optimizer.h"

#include "OptimTestUtil.h"

#include "gtest/gtest.h"

#include <cstring>
#include <vector>

using namespace hybc::optim;
using namespace hybc::optim::test;

namespace {

struct Model {
  std::vector<std::vector<float>> Params;
  std::vector<float *> ptrs() {
    std::vector<float *> P;
    for (auto &V : Params)
      P.push_back(V.data());
    return P;
  }
};

struct Shape {
  const char *Name;
  ParamGroup G;
  int64_t R, C;
};
const Shape kShapes[] = {
    {"tok_emb.weight", ParamGroup::AdamEmbed, 16, 8},
    {"blocks.0.in_proj.weight", ParamGroup::MuonMatrix, 24, 8},
    {"blocks.0.out_proj.weight", ParamGroup::MuonMatrix, 8, 12},
    {"blocks.0.mlp_scale", ParamGroup::AdamScalar, 1, 8},
    {"lm_head.weight", ParamGroup::AdamHead, 16, 8}};

Optimizer makeOptimizer(Model &M) {
  Optimizer Opt(OptimizerConfig::mamba3Hybrid());
  M.Params.clear();
  uint32_t Seed = 100;
  for (const Shape &S : kShapes) {
    Opt.addParam(S.Name, S.G, S.R, S.C);
    std::vector<float> P = randomMatrix(S.R, S.C, Seed++, 0.1f);
    if (S.G == ParamGroup::AdamEmbed)
      roundToBf16InPlace(P.data(), static_cast<int64_t>(P.size()));
    M.Params.push_back(P);
  }
  return Opt;
}

/// Deterministic gradients of step \p Step.
std::vector<std::vector<float>> grads(int64_t Step) {
  std::vector<std::vector<float>> G;
  uint32_t Seed = 1000 + 10 * static_cast<uint32_t>(Step);
  for (const Shape &S : kShapes)
    G.push_back(randomMatrix(S.R, S.C, Seed++, 0.01f));
  return G;
}

void runSteps(Optimizer &Opt, Model &M, int64_t From, int64_t To) {
  for (int64_t Step = From; Step < To; ++Step) {
    std::vector<std::vector<float>> G = grads(Step);
    std::vector<const float *> GP;
    for (auto &V : G)
      GP.push_back(V.data());
    Opt.step(M.ptrs(), GP, Step, 1.0 - 0.1 * static_cast<double>(Step));
  }
}

bool sameBits(const std::vector<float> &A, const std::vector<float> &B) {
  return A.size() == B.size() &&
         (A.empty() || std::memcmp(A.data(), B.data(), A.size() * 4) == 0);
}

TEST(OptimizerState, SerializeRestoreGivesIdenticalUpdates) {
  Model A;
  Optimizer OptA = makeOptimizer(A);
  runSteps(OptA, A, 0, 3);
  llvm::SmallVector<char, 0> Bytes;
  OptA.state().serialize(Bytes);
  Model B;
  Optimizer OptB = makeOptimizer(B);
  B.Params = A.Params; // the model checkpoint
  ASSERT_FALSE(static_cast<bool>(
      OptB.restore(llvm::StringRef(Bytes.data(), Bytes.size()), "ckpt")));
  EXPECT_EQ(OptB.state().StepsTaken, 3);
  EXPECT_EQ(OptB.state().param(0).AdamStep, 3);
  runSteps(OptA, A, 3, 5);
  runSteps(OptB, B, 3, 5);
  for (size_t I = 0; I < A.Params.size(); ++I) {
    EXPECT_TRUE(sameBits(A.Params[I], B.Params[I])) << kShapes[I].Name;
    const ParamState &SA = OptA.state().param(I), &SB = OptB.state().param(I);
    EXPECT_TRUE(sameBits({SA.Buf0.begin(), SA.Buf0.end()},
                         {SB.Buf0.begin(), SB.Buf0.end()}));
    EXPECT_TRUE(sameBits({SA.Buf1.begin(), SA.Buf1.end()},
                         {SB.Buf1.begin(), SB.Buf1.end()}));
  }
  // The bf16 embedding (and its Adam states) stayed bf16.
  for (float V : A.Params[0])
    ASSERT_TRUE(isBf16Exact(V));
}

TEST(OptimizerState, RestoreErrors) {
  Model A;
  Optimizer Opt = makeOptimizer(A);
  llvm::SmallVector<char, 0> Bytes;
  Opt.state().serialize(Bytes);
  auto Msg = [&](llvm::StringRef Blob) {
    llvm::Error E = Opt.restore(Blob, "ckpt.opt");
    return E ? llvm::toString(std::move(E)) : std::string();
  };
  llvm::StringRef Blob(Bytes.data(), Bytes.size());
  EXPECT_NE(Msg("NOTMAGIC and more").find("bad magic"), std::string::npos);
  EXPECT_NE(Msg(Blob.drop_back(5)).find("truncated"), std::string::npos);
  std::string Longer = Blob.str() + "x";
  EXPECT_NE(Msg(Longer).find("trailing bytes"), std::string::npos);
  // A differently shaped model: layout error naming the parameter.
  OptimizerState Other;
  Other.addParam("tok_emb.weight", ParamGroup::AdamEmbed, 32, 8);
  llvm::SmallVector<char, 0> OtherBytes;
  Other.serialize(OtherBytes);
  std::string M = Msg(llvm::StringRef(OtherBytes.data(), OtherBytes.size()));
  EXPECT_NE(M.find("has 1 params; expected 5"), std::string::npos) << M;
  // Failed restores leave the state untouched.
  EXPECT_EQ(Opt.state().size(), 5u);
}

TEST(Optimizer, GroupLrsAndNullGrads) {
  Optimizer Opt(OptimizerConfig::baseline());
  EXPECT_DOUBLE_EQ(Opt.groupLr(ParamGroup::MuonMatrix, 0.5), 0.02);
  EXPECT_DOUBLE_EQ(Opt.groupLr(ParamGroup::AdamEmbed, 1.0), 0.05);
  EXPECT_DOUBLE_EQ(Opt.groupLr(ParamGroup::AdamHead, 1.0), 0.008);
  EXPECT_DOUBLE_EQ(Opt.groupLr(ParamGroup::AdamScalar, 1.0), 0.04);
  OptimizerConfig Cfg = OptimizerConfig::mamba3Hybrid();
  Optimizer H(Cfg);
  H.addParam("m", ParamGroup::MuonMatrix, 2, 2);
  H.addParam("s", ParamGroup::AdamScalar, 1, 2);
  std::vector<float> M = {1.0f, 2.0f, 3.0f, 4.0f}, S = {1.0f, 2.0f};
  H.step({M.data(), S.data()}, {nullptr, nullptr}, 0, 1.0);
  // Muon without grad: decoupled WD only (W *= 1 - 0.025*0.04).
  const float Keep = static_cast<float>(1.0 - 0.025 * 0.04);
  EXPECT_EQ(M[3], 4.0f * Keep);
  // Adam without grad: untouched, step count not advanced.
  EXPECT_EQ(S[1], 2.0f);
  EXPECT_EQ(H.state().param(1).AdamStep, 0);
  EXPECT_EQ(paramGroupName(ParamGroup::AdamHead), "adam_head");
}

} // namespace
