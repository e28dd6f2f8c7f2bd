//===- tests/golden/ReferenceModelTest.cpp - Whole models vs PyTorch ------===//
//
// Loads the outputs of the public reference implementations (openai/
// parameter-golf train_gpt.py in float64; the PR #1644 hybrid in bf16 with
// mamba_ssm's Triton kernels), runs the same spec through hybc's frontend,
// IR, autodiff and fp64 CPU interpreter with the same parameters and ids,
// and compares the loss and every parameter gradient.
//
//===----------------------------------------------------------------------===//
#include "../common/GoldenLoader.h"

#include "compiler/passes/Passes.h"
#include "frontend/Frontend.h"
#include "runtime/cpu/Interpreter.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace hybc;
using namespace hybc::ir;

namespace {

/// hybc parameter name -> name in the reference state dict.
std::string referenceName(llvm::StringRef Name) {
  std::string S = Name.str();
  size_t Pos = S.find(".mamba3.");
  if (Pos != std::string::npos)
    S.replace(Pos, 8, ".mamba3.mamba3.");
  return S;
}

double relL2(const double *A, const std::vector<double> &B) {
  double Num = 0, Den = 0;
  for (size_t I = 0; I < B.size(); ++I) {
    Num += (A[I] - B[I]) * (A[I] - B[I]);
    Den += B[I] * B[I];
  }
  return Den == 0 ? std::sqrt(Num) : std::sqrt(Num / Den);
}

struct GoldenRun {
  std::unique_ptr<Model> M;
  std::unique_ptr<Graph> G;
  test::GoldenCase Case;
  std::unique_ptr<cpu::Interpreter<double>> I;
  std::vector<std::vector<double>> Params;
  std::vector<int32_t> Ids, Targets;

  void run(llvm::StringRef SpecPath, llvm::StringRef CaseDir) {
    std::string Diag;
    llvm::raw_string_ostream DS(Diag);
    auto S = loadSpec(SpecPath, {}, DS);
    ASSERT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError()) << Diag;
    M = std::move(*buildModel(*S));
    auto C = test::loadGoldenCase(CaseDir);
    ASSERT_TRUE(static_cast<bool>(C)) << llvm::toString(C.takeError());
    Case = std::move(*C);
    const test::GoldenTensor *In = Case.find("input_ids");
    ASSERT_TRUE(In && Case.find("target_ids"));
    for (double V : In->Data)
      Ids.push_back(static_cast<int32_t>(V));
    for (double V : Case.find("target_ids")->Data)
      Targets.push_back(static_cast<int32_t>(V));
    ForwardOptions O;
    O.Batch = In->Shape[0];
    O.Time = In->Shape[1];
    O.RecurrenceActive = true;
    G = buildForward(*M, O);
    ASSERT_FALSE(static_cast<bool>(autodiff(*G, 1.0)));
    I = std::make_unique<cpu::Interpreter<double>>(*G);
    for (const auto &P : M->Params) {
      const test::GoldenTensor *T =
          Case.find("param/" + referenceName(P->name()));
      ASSERT_TRUE(T) << "no reference tensor for " << P->name().str();
      ASSERT_EQ(T->Data.size(), static_cast<size_t>(P->numel()))
          << P->name().str();
      Params.push_back(T->Data);
      I->bindParam(*P, Params.back().data());
    }
    I->bindInput("ids", Ids.data());
    I->bindInput("targets", Targets.data());
    llvm::Error E = I->run();
    ASSERT_FALSE(static_cast<bool>(E)) << llvm::toString(std::move(E));
  }

  /// Largest relative L2 error over every parameter gradient.
  double worstGrad(std::string &Which, double Floor) {
    double Worst = 0;
    for (const auto &P : M->Params) {
      const test::GoldenTensor *T =
          Case.find("grad/" + referenceName(P->name()));
      EXPECT_TRUE(T) << P->name().str();
      if (!T)
        continue;
      std::vector<double> Zero(P->numel(), 0.0);
      const double *Ours = I->grad(*P);
      double Ref = 0;
      for (double V : T->Data)
        Ref += V * V;
      if (std::sqrt(Ref) < Floor) // a gradient the reference leaves ~0
        continue;
      double R = relL2(Ours ? Ours : Zero.data(), T->Data);
      if (getenv("HYBC_GOLDEN_VERBOSE"))
        llvm::errs() << P->name() << " " << R << "\n";
      if (R > Worst) {
        Worst = R;
        Which = P->name().str();
      }
    }
    return Worst;
  }
};

TEST(ReferenceModel, BaselineGptFloat64LossAndEveryGradient) {
  GoldenRun R;
  R.run(HYBC_SOURCE_DIR "/tests/golden/gpt_baseline_tiny.hyb",
        HYBC_SOURCE_DIR "/tests/data/golden/gpt_baseline_tiny");
  if (HasFatalFailure())
    return;
  // The reference loss was stored as float32.
  double Loss = R.Case.find("loss")->Data[0];
  EXPECT_NEAR(R.I->loss(), Loss, 1e-6 * std::abs(Loss));
  std::string Which;
  double Worst = R.worstGrad(Which, 0.0);
  EXPECT_LE(Worst, 1e-8) << "worst gradient: " << Which;
}

TEST(ReferenceModel, Pr1644HybridWithRecurrenceAtBf16Tolerance) {
  GoldenRun R;
  R.run(HYBC_SOURCE_DIR "/tests/golden/hybrid_tiny_recur.hyb",
        HYBC_SOURCE_DIR "/tests/data/golden/hybrid_tiny_recur_bf16");
  if (HasFatalFailure())
    return;
  double Loss = R.Case.find("loss")->Data[0];
  EXPECT_NEAR(R.I->loss(), Loss, 1e-2 * std::abs(Loss));
  std::string Which;
  double Worst = R.worstGrad(Which, 1e-6);
  EXPECT_LE(Worst, 5e-2) << "worst gradient: " << Which;
}

} // namespace
