//===- tests/runtime/Mamba3CoreGoldenTest.cpp - core vs reference goldens -===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Checks the Mamba-3 core kernels (sequential and chunked forward, BPTT and
/// chunked backward) against the float64 outputs and gradients of the public
/// per-step reference (tests/data/golden/m3_core_*), at 1e-10 relative L2.
///
//===----------------------------------------------------------------------===//

#include "../common/GoldenLoader.h"
#include "Mamba3TestUtil.h"

#include "gtest/gtest.h"

#include <string>

using namespace hybc;
using namespace hybc::test;

namespace {

constexpr double kTol = 1e-10;

/// Loads a golden case; fails the test on error.
GoldenCase loadCase(const std::string &Name) {
  auto C = loadGoldenCase(std::string(HYBC_TEST_DATA_DIR) + "/golden/" + Name);
  if (!C) {
    ADD_FAILURE() << llvm::toString(C.takeError());
    return GoldenCase();
  }
  return std::move(*C);
}

/// Builds the core inputs (angles per head, like the reference layout).
CoreCase<double> inputsOf(const GoldenCase &G) {
  CoreCase<double> C;
  C.Dims.Batch = G.metaInt("B");
  C.Dims.SeqLen = G.metaInt("L");
  C.Dims.Heads = G.metaInt("nheads");
  C.Dims.HeadsQK = G.metaInt("nheads_qk");
  C.Dims.HeadDim = G.metaInt("headdim");
  C.Dims.StateDim = G.metaInt("d_state");
  C.Dims.NumAngles = G.metaInt("angles");
  C.Dims.AngleHeads = C.Dims.Heads;
  for (auto &KV : C.tensors())
    if (const GoldenTensor *T = G.find(KV.first))
      *KV.second = T->Data;
  // The reference casts the carried SSM state to float32 before use
  // (`SSM_State.clone().to(torch.float32)`); feed the same rounded values.
  for (double &V : C.InitSsm)
    V = static_cast<double>(static_cast<float>(V));
  return C;
}

const std::vector<double> &data(const GoldenCase &G, const char *Name) {
  static const std::vector<double> Empty;
  const GoldenTensor *T = G.find(Name);
  EXPECT_NE(T, nullptr) << "missing golden tensor " << Name;
  return T ? T->Data : Empty;
}

/// Forward (sequential or chunked) against out and final states.
void checkForward(const GoldenCase &G, int64_t Chunk) {
  CoreCase<double> C = inputsOf(G);
  ASSERT_GT(C.Dims.SeqLen, 0);
  CoreOutputs<double> O = runCoreForward(C, Chunk);
  EXPECT_LE(relL2(O.Out, data(G, "out")), kTol);
  EXPECT_LE(relL2(O.Angle, data(G, "final_angle")), kTol);
  EXPECT_LE(relL2(O.Ssm, data(G, "final_ssm")), kTol);
  EXPECT_LE(relL2(O.K, data(G, "final_k")), kTol);
  EXPECT_LE(relL2(O.V, data(G, "final_v")), kTol);
}

/// Backward (BPTT or chunked) against every stored gradient.
void checkBackward(const GoldenCase &G, int64_t Chunk) {
  CoreCase<double> C = inputsOf(G);
  CoreOutputs<double> Up;
  Up.Out = data(G, "dout");
  Up.Ssm = data(G, "dfinal_ssm");
  CoreCase<double> Gr = runCoreBackward(C, Up, Chunk);
  int Checked = 0;
  for (auto &KV : Gr.tensors()) {
    if (KV.second->empty())
      continue;
    std::string Name = std::string("grad_") + KV.first;
    // The reference's float32 cast of init_ssm also rounds its gradient.
    if (Name == "grad_init_ssm")
      for (double &V : *KV.second)
        V = static_cast<double>(static_cast<float>(V));
    EXPECT_LE(relL2(*KV.second, data(G, Name.c_str())), kTol) << Name;
    ++Checked;
  }
  EXPECT_GE(Checked, 11);
}

class Mamba3CoreGolden : public ::testing::TestWithParam<const char *> {};

TEST_P(Mamba3CoreGolden, SequentialForward) {
  checkForward(loadCase(GetParam()), 0);
}

TEST_P(Mamba3CoreGolden, ChunkedForward) {
  GoldenCase G = loadCase(GetParam());
  checkForward(G, 16);
  checkForward(G, 64);
}

TEST_P(Mamba3CoreGolden, BpttBackward) {
  checkBackward(loadCase(GetParam()), 0);
}

TEST_P(Mamba3CoreGolden, ChunkedBackward) {
  GoldenCase G = loadCase(GetParam());
  checkBackward(G, 16);
  checkBackward(G, 64);
}

// m3_core_odd (L = 67, one qk head, carried state) also passes but is not
// copied: the three cases together exceed the 2 MB budget for tests/data,
// and m3_core_gqa covers the same features (carried state, L not a multiple
// of the chunk) plus GQA.
INSTANTIATE_TEST_SUITE_P(Cases, Mamba3CoreGolden,
                         ::testing::Values("m3_core_small", "m3_core_odd",
                                           "m3_core_gqa"));

TEST(Mamba3GoldenLoader, ReportsMissingCase) {
  auto C = loadGoldenCase(std::string(HYBC_TEST_DATA_DIR) + "/golden/nope");
  ASSERT_FALSE(static_cast<bool>(C));
  std::string Msg = llvm::toString(C.takeError());
  EXPECT_NE(Msg.find("manifest.json"), std::string::npos) << Msg;
}

} // namespace
