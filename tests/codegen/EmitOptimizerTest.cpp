//===- tests/codegen/EmitOptimizerTest.cpp - Optimizer kernel emitters ----===//
///
/// \file
/// Adam, EMA, fake quantisation and the Muon helpers: names, argument
/// kinds and ABI order, launch grids, byte-stable sources, the rounding
/// intrinsics that make them bit-identical to runtime/optim, and (when
/// nvcc is installed) sm_90a compilation for a small and a PG-sized tensor
/// (the 512x2240 Mamba-3 in_proj).
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitOptimizer.h"
#include "codegen/Emitters.h"
#include "tests/codegen/NvccCompile.h"

#include <gtest/gtest.h>

using namespace hybc;

namespace {

std::vector<KernelSpec> allKernels(int64_t Rows, int64_t Cols) {
  const int64_t N = Rows * Cols;
  std::vector<KernelSpec> Ks = {emitAdamStep(N, false),
                                emitAdamStep(N, true),
                                emitEmaUpdate(N),
                                emitFakeQuantRows(Rows, Cols, 6),
                                emitScaleInplace(N, true),
                                emitDivideByNorm(N, false),
                                emitRowNormalize(Rows, Cols),
                                emitMuonMomentum(N, true),
                                emitMuonMomentum(N, false)};
  for (KernelSpec &K : emitFrobeniusNorm(N))
    Ks.push_back(std::move(K));
  return Ks;
}

std::string kinds(const KernelSpec &K) {
  std::string S;
  for (const KernelArg &A : K.Args)
    S += A.K == KernelArg::Buffer ? (A.Output ? 'W' : 'R')
         : A.K == KernelArg::F32  ? 'f'
         : A.K == KernelArg::F64  ? 'd'
                                  : 'i';
  return S;
}

TEST(EmitOptimizer, NamesArgsAndGrids) {
  KernelSpec A = emitAdamStep(1000, false);
  EXPECT_EQ(A.Name, "hybc_optim_adam_n1000");
  EXPECT_EQ(emitAdamStep(1000, true).Name, "hybc_optim_adam_n1000_bf16");
  EXPECT_EQ(A.Family, "optimizer");
  EXPECT_EQ(kinds(A), "WRWWfffffffi");
  EXPECT_EQ(A.Args[9].Name, "step_size");
  EXPECT_EQ(A.Args[11].CType, "long long");
  EXPECT_EQ(A.Grid[0], 4u);
  EXPECT_EQ(A.Block[0], 256u);
  EXPECT_EQ(kinds(emitEmaUpdate(10)), "WRff");
  KernelSpec Q = emitFakeQuantRows(512, 2240, 6);
  EXPECT_EQ(Q.Name, "hybc_optim_fake_quant_r512_c2240_b6");
  EXPECT_EQ(Q.Grid[0], 512u);
  EXPECT_EQ(kinds(Q), "RW");
  EXPECT_EQ(kinds(emitScaleInplace(8)), "Wf");
  EXPECT_EQ(kinds(emitRowNormalize(4, 8)), "Wf");
  EXPECT_EQ(kinds(emitMuonMomentum(8)), "RWWf");
  EXPECT_EQ(emitMuonMomentum(8).Name, "hybc_optim_muon_momentum_n8_nesterov");
  std::vector<KernelSpec> F = emitFrobeniusNorm(512 * 2240);
  ASSERT_EQ(F.size(), 2u);
  EXPECT_EQ(F[0].Grid[0], 560u);
  EXPECT_EQ(F[1].Grid[0], 1u);
  EXPECT_EQ(kinds(F[0]), "RW");
  EXPECT_EQ(kinds(F[1]), "RWf");
  EXPECT_EQ(F[0].Args[1].Name, F[1].Args[0].Name) << "shared scratch";
  EXPECT_EQ(F[0].Args[1].Elements, 2 * 560);
  EXPECT_EQ(emitFrobeniusNorm(1 << 26)[0].Grid[0], 1024u) << "capped";
  EXPECT_TRUE(F[0].Args[1].Scratch && F[1].Args[0].Scratch);
  for (const KernelSpec &K : allKernels(4, 8))
    for (const KernelArg &Arg : K.Args) {
      EXPECT_EQ(Arg.ValueId, 0u) << K.Name << " binds by ABI order";
      EXPECT_EQ(Arg.Scratch, Arg.Name == "optim_fro_partials") << K.Name;
    }
}

TEST(EmitOptimizer, SourcesAreByteStableAndRoundLikeTheCpu) {
  std::vector<KernelSpec> X = allKernels(512, 2240), Y = allKernels(512, 2240);
  ASSERT_EQ(X.size(), Y.size());
  for (size_t I = 0; I < X.size(); ++I) {
    EXPECT_EQ(X[I].Source, Y[I].Source);
    EXPECT_EQ(X[I].Source.rfind(hybcPrelude().str(), 0), 0u);
    EXPECT_NE(X[I].Source.find("extern \"C\" __global__"), std::string::npos);
  }
  const std::string &Adam = X[0].Source;
  EXPECT_NE(Adam.find("fmaf(beta1, exp_avg[I], fmaf(-beta1, G, G))"),
            std::string::npos);
  EXPECT_NE(Adam.find("__fdiv_rn(__fmul_rn(step_size, M), Denom)"),
            std::string::npos);
  EXPECT_NE(X[1].Source.find("kBf16 = 1;"), std::string::npos);
  EXPECT_NE(X[2].Source.find("fmaf(one_minus_decay, param[I], "
                             "__fmul_rn(shadow[I], decay))"),
            std::string::npos);
}

TEST(EmitOptimizer, KernelsCompileWithNvcc) {
  if (test::nvccPath().empty())
    GTEST_SKIP() << "nvcc not found (set HYBC_NVCC)";
  EXPECT_EQ(test::nvccCompileAll(allKernels(3, 100)), "");
  EXPECT_EQ(test::nvccCompileAll(allKernels(512, 2240)), "");
}

} // namespace
