//===- tests/gpu/TrainParityTest.cpp - 50 steps, CUDA vs CPU backend ------===//
//
// Trains examples/tiny.hyb for 50 steps with the CUDA backend and with the
// CPU backend (same seed, same data) and compares the training trajectory
// and the final validation loss. Skips without a GPU.
//
//===----------------------------------------------------------------------===//
#include "GpuFixture.h"

#include "frontend/Frontend.h"
#include "runtime/train/Trainer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>

using namespace hybc;

namespace {

class TrainParity : public test::GpuTest {};

/// The source tree (examples, data/sample): HYBC_SOURCE_DIR in the
/// environment (binaries carried to another machine), else the build's.
std::string sourceDir() {
  const char *Env = std::getenv("HYBC_SOURCE_DIR");
  return Env ? Env : HYBC_SOURCE_DIR;
}

TrainSummary trainOn(llvm::StringRef Device, llvm::StringRef Out) {
  std::vector<std::string> Set = {
      "train.iterations=50", "train.val_every=0", "train.val_tokens=16384",
      "train.log_every=10"};
  std::string Diag;
  llvm::raw_string_ostream DS(Diag);
  std::string Src = sourceDir();
  auto S = loadSpec(Src + "/examples/tiny.hyb", Set, DS);
  EXPECT_TRUE(static_cast<bool>(S)) << Diag;
  if (!S) {
    llvm::consumeError(S.takeError());
    return {};
  }
  S->Data.TrainGlob = Src + "/" + S->Data.TrainGlob;
  S->Data.ValGlob = Src + "/" + S->Data.ValGlob;
  S->Data.Tokenizer = Src + "/" + S->Data.Tokenizer;
  auto M = ir::buildModel(*S);
  EXPECT_TRUE(static_cast<bool>(M));
  TrainOptions O;
  O.Device = Device.str();
  O.OutDir = Out.str();
  O.Progress = false;
  std::string Log;
  llvm::raw_string_ostream LS(Log);
  auto R = train(**M, O, LS);
  EXPECT_TRUE(static_cast<bool>(R)) << (R ? "" : llvm::toString(R.takeError()));
  return R ? *R : TrainSummary();
}

TEST_F(TrainParity, FiftyStepsOfTinyHybridMatchTheCpuBackend) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("hybc-parity", Dir));
  TrainSummary Gpu = trainOn("cuda", std::string(Dir) + "/cuda");
  TrainSummary Cpu = trainOn("cpu", std::string(Dir) + "/cpu");
  EXPECT_EQ(Gpu.Device, "cuda");
  EXPECT_EQ(Cpu.Device, "cpu");
  EXPECT_EQ(Gpu.Steps, 50);
  // Different summation orders (GEMM, reductions) and bf16 tensor-core
  // GEMMs on the GPU: trajectories agree to a few parts in a thousand.
  EXPECT_NEAR(Gpu.FinalTrainLoss, Cpu.FinalTrainLoss,
              5e-3 * Cpu.FinalTrainLoss);
  EXPECT_NEAR(Gpu.ValLoss, Cpu.ValLoss, 5e-3 * Cpu.ValLoss);
  EXPECT_LT(Gpu.ValLoss, 6.0); // it learned something
}

} // namespace
