//===- tests/codegen/EmitOptimizerTest.cpp - Optimizer kernel emitters ----===//
///
/// \file
/// Adam, EMA, fake quantisation and the Muon helpers: names, argument
/// kinds and ABI order, launch grids, byte-stable sources, the rounding
/// intrinsics that make them bit-identical to runtime/optim, the batched
/// (segment-wide) Muon kernels, and (when nvcc is installed) sm_90a
/// compilation for a small and a PG-sized tensor (the 512x2240 Mamba-3
/// in_proj).
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitOptimizer.h"
#include "codegen/Emitters.h"
#include "tests/codegen/NvccCompile.h"

#include <gtest/gtest.h>

#include <algorithm>

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
  // Batched Muon kernels over a segment of 3 padded slots.
  const int64_t Stride = (N + 63) / 64 * 64 + 64, Small = std::min(Rows, Cols);
  for (bool Round : {false, true}) {
    for (KernelSpec &K : emitBatchedFrobeniusNormalize(3, N, Stride, Round))
      Ks.push_back(std::move(K));
    Ks.push_back(emitNsGram(3, Small * Small, Stride, Round));
    Ks.push_back(emitNsPoly(3, Small * Small, Stride, Round));
    Ks.push_back(emitNsUpdate(3, N, Stride, true, Round));
    Ks.push_back(emitNsUpdate(3, N, Stride, false, Round));
    Ks.push_back(emitMuonApplyBatched(3, N, Stride, Round, Round));
  }
  Ks.push_back(emitBatchedRowNormalize(3, Rows, Cols, Stride));
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

TEST(EmitOptimizer, BatchedMuonKernels) {
  // 18 matrices 512x512 in slots of 262144 floats (baseline GPT c_q/proj).
  std::vector<KernelSpec> F =
      emitBatchedFrobeniusNormalize(18, 262144, 262144, true);
  ASSERT_EQ(F.size(), 2u);
  EXPECT_EQ(F[0].Name, "hybc_optim_bfro_sum_b18_n262144_s262144");
  EXPECT_EQ(F[1].Name, "hybc_optim_bfro_div_b18_n262144_s262144_bf16");
  EXPECT_EQ(F[0].Grid[0], 18u * 128u) << "128 blocks per matrix";
  EXPECT_EQ(F[1].Grid[0], F[0].Grid[0]);
  EXPECT_EQ(kinds(F[0]), "RW");
  EXPECT_EQ(kinds(F[1]), "RWWf");
  EXPECT_EQ(F[0].Args[1].Elements, 2 * 18 * 128);
  EXPECT_NE(F[1].Source.find("__fadd_rn((float)sqrt(S), eps)"),
            std::string::npos);
  EXPECT_EQ(
      emitBatchedFrobeniusNormalize(2, 1 << 22, 1 << 22, false)[0].Grid[0],
      2u * 256u)
      << "capped at 256 blocks per matrix";
  KernelSpec R = emitBatchedRowNormalize(9, 1024, 512, 524288);
  EXPECT_EQ(R.Name, "hybc_optim_brow_norm_b9_r1024_c512_s524288");
  EXPECT_EQ(R.Grid[0], 9u * 1024u);
  EXPECT_EQ(kinds(R), "Wf");
  KernelSpec G = emitNsGram(4, 100, 128, true);
  EXPECT_EQ(G.Name, "hybc_optim_ns_gram_b4_n100_s128_bf16");
  EXPECT_EQ(G.Grid[0], 2u) << "one thread per slot float";
  EXPECT_EQ(kinds(G), "WWf");
  EXPECT_NE(G.Source.find("I % (u64)kStride >= (u64)kN"), std::string::npos)
      << "padding is skipped";
  EXPECT_EQ(kinds(emitNsPoly(4, 100, 128, true)), "WRf");
  KernelSpec U0 = emitNsUpdate(4, 100, 128, true, true);
  EXPECT_EQ(U0.Name, "hybc_optim_ns_update_b4_n100_s128_bf16_first");
  EXPECT_EQ(kinds(U0), "WRRf");
  EXPECT_NE(U0.Source.find("__fmul_rn(coef, first[I])"), std::string::npos);
  KernelSpec U = emitNsUpdate(4, 100, 128, false, false);
  EXPECT_EQ(kinds(U), "WRf");
  EXPECT_NE(U.Source.find("__fmul_rn(coef, x[I])"), std::string::npos);
  EXPECT_NE(U.Source.find("kRound = 0;"), std::string::npos);
  KernelSpec A = emitMuonApplyBatched(9, 524288, 524288, true, true);
  EXPECT_EQ(A.Name, "hybc_optim_muon_apply_b9_n524288_s524288_bf16_scaled");
  EXPECT_EQ(kinds(A), "WRfffi");
  EXPECT_NE(A.Source.find("fmaf(alpha, U, P)"), std::string::npos);
}

TEST(EmitOptimizer, KernelsCompileWithNvcc) {
  if (test::nvccPath().empty())
    GTEST_SKIP() << "nvcc not found (set HYBC_NVCC)";
  EXPECT_EQ(test::nvccCompileAll(allKernels(3, 100)), "");
  EXPECT_EQ(test::nvccCompileAll(allKernels(512, 2240)), "");
}

} // namespace
