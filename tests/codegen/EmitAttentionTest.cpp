//===- tests/codegen/EmitAttentionTest.cpp - Attention emitters -----------===//
///
/// \file
/// The FA2-style attention forward and deterministic backward emitters:
/// deterministic names, byte-stable sources with provenance, launch
/// configurations and buffer bindings, the tensor-core / FFMA selection by
/// head dim, bf16 tensors (arg types, "_bf16io" name suffixes, a distinct
/// name per dtype mix), shape errors, and (when nvcc is installed) sm_90a
/// compilation of every kernel for small shapes of both paths and the PG shape
/// (B=2, T=1024, Hq=8, Hkv=4, D=64). Numerical parity runs on a GPU in
/// tests/gpu/KernelParityAttentionTest.cpp.
///
//===----------------------------------------------------------------------===//
#include "codegen/Emitters.h"
#include "tests/common/AttnGraph.h"
#include "tests/common/TempDir.h"
#include "tests/codegen/NvccCompile.h"

#include "llvm/ADT/DenseSet.h"

#include <gtest/gtest.h>

#include <map>

using namespace hybc;
using namespace hybc::ir;
using namespace hybc::test;

namespace {

std::vector<KernelSpec>
emitBoth(const AttnGraph &A,
         const llvm::DenseSet<const Value *> *Bf16 = nullptr) {
  EmitContext C{"model.hyb"};
  C.Bf16 = Bf16;
  auto F = emitAttentionForward(*A.Fwd, C);
  auto B = emitAttentionBackward(*A.Bwd, C);
  EXPECT_TRUE(static_cast<bool>(F)) << (F ? "" : toString(F.takeError()));
  EXPECT_TRUE(static_cast<bool>(B)) << (B ? "" : toString(B.takeError()));
  std::vector<KernelSpec> All;
  if (F)
    All = std::move(*F);
  if (B)
    All.insert(All.end(), B->begin(), B->end());
  return All;
}

TEST(EmitAttention, DeterministicNames) {
  AttnGraph A(2, 1024, 8, 4, 64);
  std::vector<KernelSpec> Ks = emitBoth(A);
  ASSERT_EQ(Ks.size(), 4u);
  EXPECT_EQ(Ks[0].Name, "hybc_attention_fwd_b2_t1024_hq8_hkv4_d64");
  EXPECT_EQ(Ks[1].Name, "hybc_attention_bwd_pre_b2_t1024_hq8_hkv4_d64");
  EXPECT_EQ(Ks[2].Name, "hybc_attention_bwd_dkdv_b2_t1024_hq8_hkv4_d64");
  EXPECT_EQ(Ks[3].Name, "hybc_attention_bwd_dq_b2_t1024_hq8_hkv4_d64");
  for (const KernelSpec &K : Ks)
    EXPECT_EQ(K.Family, "attention");
}

TEST(EmitAttention, SourcesAreByteStableAndCarryProvenance) {
  AttnGraph A(2, 1024, 8, 4, 64), Again(2, 1024, 8, 4, 64);
  std::vector<KernelSpec> X = emitBoth(A), Y = emitBoth(Again);
  ASSERT_EQ(X.size(), Y.size());
  for (size_t I = 0; I < X.size(); ++I) {
    EXPECT_EQ(X[I].Source, Y[I].Source) << X[I].Name;
    EXPECT_EQ(X[I].Source.rfind(hybcPrelude().str(), 0), 0u) << "prelude";
    EXPECT_NE(X[I].Source.find("extern \"C\" __global__"), std::string::npos);
    EXPECT_NE(X[I].Source.find(X[I].Name + "("), std::string::npos);
    EXPECT_NE(X[I].Source.find("spec: model.hyb:7"), std::string::npos);
    EXPECT_EQ(X[I].Source.find("#include"), std::string::npos);
    ASSERT_EQ(X[I].SpecLines, std::vector<unsigned>{7});
  }
  EXPECT_NE(X[0].Source.find("// IR: %4, %5 = attention(%1, %2, %3)"),
            std::string::npos);
  EXPECT_NE(X[0].Source.find("static constexpr int kT = 1024;"),
            std::string::npos);
  EXPECT_EQ(X[1].FusedOps,
            std::vector<std::string>{"%7, %8, %9 = attention_bwd(%6, %1, %2, "
                                     "%3, %4, %5)"});
}

TEST(EmitAttention, LaunchConfigsAndBindings) {
  AttnGraph A(2, 1024, 8, 4, 64);
  std::vector<KernelSpec> Ks = emitBoth(A);
  ASSERT_EQ(Ks.size(), 4u);
  const KernelSpec &F = Ks[0];
  // 8 warps of 16 query rows; dynamic shared memory for the larger loop:
  // the sm_90a one keeps Q (128 swizzled rows of 128 bytes) beside two K/V
  // stages (the mma.sync one needs 2 * 2 * 64 rows of d + 8 values).
  EXPECT_EQ(std::vector<unsigned>(F.Grid, F.Grid + 3),
            (std::vector<unsigned>{8, 8, 2}));
  EXPECT_EQ(F.Block[0], 256u);
  EXPECT_EQ(F.SharedBytes, 6u * 8192 + 1024);
  EXPECT_NE(F.Source.find("cp.async.cg.shared.global"), std::string::npos);
  EXPECT_NE(F.Source.find("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16"),
            std::string::npos)
      << "d = 64 takes the tensor-core path";
  ASSERT_EQ(F.Args.size(), 5u);
  EXPECT_EQ(F.Args[0].ValueId, A.Fwd->operand(0)->id());
  EXPECT_EQ(F.Args[3].ValueId, A.Fwd->result(0)->id());
  EXPECT_TRUE(F.Args[3].Output && F.Args[4].Output);
  EXPECT_EQ(F.Args[4].Elements, 2 * 8 * 1024);
  // The Dv scratch is written by the pre-pass and read by both passes.
  const KernelSpec &Pre = Ks[1], &Kv = Ks[2], &Dq = Ks[3];
  EXPECT_EQ(Pre.Grid[0], 2u * 1024 * 8 / 32); // 8 lanes per row of d = 64
  ASSERT_EQ(Pre.Args.back().Name, "attn_dv_rowsum");
  EXPECT_TRUE(Pre.Args.back().Output);
  EXPECT_TRUE(Pre.Args.back().Scratch);
  for (const KernelSpec *K : {&Kv, &Dq}) {
    bool Reads = false;
    for (const KernelArg &Arg : K->Args)
      Reads |= Arg.Name == "attn_dv_rowsum" && Arg.Scratch && !Arg.Output &&
               Arg.Elements == Pre.Args.back().Elements;
    EXPECT_TRUE(Reads) << K->Name;
  }
  EXPECT_EQ(std::vector<unsigned>(Kv.Grid, Kv.Grid + 3),
            (std::vector<unsigned>{16, 4, 2}));
  EXPECT_EQ(std::vector<unsigned>(Dq.Grid, Dq.Grid + 3),
            (std::vector<unsigned>{8, 8, 2}));
  EXPECT_EQ(Kv.Block[0], 128u);
  EXPECT_EQ(Dq.Block[0], 256u);
  // Dynamic shared memory: the resident bf16 tiles (row stride d + 8) of
  // two operands (64 keys for dK/dV, 128 queries for dQ) and two stages of
  // the streamed ones (64 queries plus their lse / Dv, or 64 keys).
  EXPECT_EQ(Kv.SharedBytes, 2u * 64 * 72 * 2 + 2 * (2 * 64 * 72 * 2 + 2 * 64 * 4));
  EXPECT_EQ(Dq.SharedBytes, 2u * 128 * 72 * 2 + 2 * (2 * 64 * 72 * 2));
  EXPECT_EQ(Pre.SharedBytes, 0u);
  EXPECT_EQ(Kv.Args[6].ValueId, A.Bwd->result(1)->id());
  EXPECT_EQ(Kv.Args[7].ValueId, A.Bwd->result(2)->id());
  EXPECT_EQ(Dq.Args.back().ValueId, A.Bwd->result(0)->id());
}

TEST(EmitAttention, HeadDimSelectsTensorCoresOrTheFfmaFallback) {
  for (int64_t D : {16, 24, 40, 64, 96, 128}) {
    AttnGraph A(1, 100, 4, 2, D);
    std::vector<KernelSpec> Ks = emitBoth(A);
    ASSERT_EQ(Ks.size(), 4u);
    const bool Mma = D % 16 == 0;
    for (size_t I : {0u, 2u, 3u}) {
      EXPECT_EQ(Ks[I].Source.find("mma.sync.aligned") != std::string::npos, Mma)
          << Ks[I].Name;
      EXPECT_EQ(Ks[I].SharedBytes > 0, Mma) << Ks[I].Name;
      EXPECT_LE(Ks[I].SharedBytes, 100u * 1024) << "two blocks per SM";
    }
    // Forward query tiles: 128 (tensor cores, d <= 64), else 64.
    EXPECT_EQ(Ks[0].Grid[0], Mma && D <= 64 ? 1u : 2u) << D;
  }
  // d = 128 steps 32 keys / queries in the backward (register budget).
  AttnGraph Wide(1, 100, 4, 2, 128);
  std::vector<KernelSpec> Ks = emitBoth(Wide);
  ASSERT_EQ(Ks.size(), 4u);
  EXPECT_NE(Ks[2].Source.find("static constexpr int kBwdStep = 32;"),
            std::string::npos);
  EXPECT_EQ(Ks[2].SharedBytes,
            2u * 64 * 136 * 2 + 2 * (2 * 32 * 136 * 2 + 2 * 32 * 4));
  EXPECT_EQ(Ks[0].Block[0], 128u);
  EXPECT_EQ(Ks[3].Block[0], 128u);
}

/// d = 64 at the default tiles: the forward, dK/dV and dQ kernels carry an
/// sm_90a wgmma loop with the mma.sync loop as the other branch; tile
/// overrides and other head dims keep mma.sync only.
TEST(EmitAttention, WgmmaLoopsOnSm90aAtD64) {
  auto HasWgmma = [](const KernelSpec &K) {
    return K.Source.find("wgmma.mma_async") != std::string::npos &&
           K.Source.find("#if defined(__CUDA_ARCH_FEAT_SM90_ALL)") !=
               std::string::npos;
  };
  AttnGraph A(2, 1024, 8, 4, 64);
  std::vector<KernelSpec> Ks = emitBoth(A);
  ASSERT_EQ(Ks.size(), 4u);
  // Shared memory: the larger of the two loops' needs (mma.sync: padded
  // 72-value rows; wgmma: swizzled 64-row tiles of 8 KiB plus 1 KiB to
  // align them).
  const unsigned Mma[] = {36864, 0, 56320, 73728};
  const unsigned Wg[] = {6 * 8192 + 1024, 0, 2 * 8192 + 2 * 17408 + 1024,
                         8 * 8192 + 1024};
  for (size_t I = 0; I < 4; ++I) {
    EXPECT_EQ(HasWgmma(Ks[I]), I != 1) << Ks[I].Name;
    EXPECT_EQ(Ks[I].SharedBytes, std::max(Mma[I], Wg[I])) << Ks[I].Name;
    if (I != 1) {
      EXPECT_NE(Ks[I].Source.find("mma.sync.aligned"), std::string::npos);
      EXPECT_NE(Ks[I].Source.find("#else"), std::string::npos);
      EXPECT_NE(Ks[I].Source.find("// Stores."), std::string::npos);
    }
  }
  EmitContext C{"model.hyb"};
  C.AttnTiles.FwdBc = 64; // an override: the tuned mma.sync loops only
  auto F = emitAttentionForward(*A.Fwd, C);
  ASSERT_TRUE(static_cast<bool>(F));
  EXPECT_FALSE(HasWgmma(F->front()));
  AttnGraph Wide(1, 100, 4, 2, 128);
  for (const KernelSpec &K : emitBoth(Wide))
    EXPECT_FALSE(HasWgmma(K)) << K.Name;
}

/// CType of the argument named \p Name ("" if absent).
std::string ctypeOf(const KernelSpec &K, llvm::StringRef Name) {
  for (const KernelArg &A : K.Args)
    if (A.Name == Name)
      return A.CType;
  return "";
}

TEST(EmitAttention, Bf16TensorsOnBothPaths) {
  for (int64_t D : {24, 64}) {
    AttnGraph A(2, 100, 4, 2, D);
    auto All = bf16Set(A, 0xff);
    std::vector<KernelSpec> Ks = emitBoth(A, &All);
    ASSERT_EQ(Ks.size(), 4u);
    const std::string Sig = "b2_t100_hq4_hkv2_d" + std::to_string(D);
    EXPECT_EQ(Ks[0].Name, "hybc_attention_fwd_" + Sig + "_bf16io");
    EXPECT_EQ(Ks[1].Name, "hybc_attention_bwd_pre_" + Sig + "_bf16io");
    EXPECT_EQ(Ks[2].Name, "hybc_attention_bwd_dkdv_" + Sig + "_bf16io");
    EXPECT_EQ(Ks[3].Name, "hybc_attention_bwd_dq_" + Sig + "_bf16io");
    for (const char *In : {"q", "k", "v"})
      EXPECT_EQ(ctypeOf(Ks[0], In), "const hybc::bf16 *") << In;
    EXPECT_EQ(ctypeOf(Ks[0], "o"), "hybc::bf16 *");
    EXPECT_EQ(ctypeOf(Ks[0], "lse"), "float *") << "lse stays fp32";
    EXPECT_EQ(ctypeOf(Ks[1], "dout"), "const hybc::bf16 *");
    EXPECT_EQ(ctypeOf(Ks[1], "o"), "const hybc::bf16 *");
    EXPECT_EQ(ctypeOf(Ks[1], "attn_dv_rowsum"), "float *");
    for (const char *In : {"dout", "q", "k", "v"})
      EXPECT_EQ(ctypeOf(Ks[2], In), "const hybc::bf16 *") << In;
    EXPECT_EQ(ctypeOf(Ks[2], "lse"), "const float *");
    EXPECT_EQ(ctypeOf(Ks[2], "dk"), "hybc::bf16 *");
    EXPECT_EQ(ctypeOf(Ks[2], "dv"), "hybc::bf16 *");
    EXPECT_EQ(ctypeOf(Ks[3], "dq"), "hybc::bf16 *");
    EXPECT_NE(Ks[0].Source.find("bf16 in memory: q, k, v, o."),
              std::string::npos);
    // The tensor-core path copies bf16 tiles by 16-byte cp.async.
    EXPECT_EQ(Ks[0].Source.find("cp.async.cg.shared.global [%0], [%1], 16") !=
                  std::string::npos,
              D % 16 == 0);
  }
}

TEST(EmitAttention, Bf16MixesHaveTheirOwnNames) {
  AttnGraph A(2, 1024, 8, 4, 64);
  // q, k, v bf16; o and dout fp32; dk bf16, dq and dv fp32.
  auto Mix = bf16Set(A, BQ | BK | BV | BDk);
  std::vector<KernelSpec> Ks = emitBoth(A, &Mix), Fp32 = emitBoth(A);
  ASSERT_EQ(Ks.size(), 4u);
  ASSERT_EQ(Fp32.size(), 4u);
  const std::string Sig = "b2_t1024_hq8_hkv4_d64";
  EXPECT_EQ(Ks[0].Name, "hybc_attention_fwd_" + Sig + "_bf16io_m07");
  EXPECT_EQ(ctypeOf(Ks[0], "o"), "float *");
  // The pre-pass reads only dout and o, both fp32 here: the fp32 kernel.
  EXPECT_EQ(Ks[1].Name, Fp32[1].Name);
  EXPECT_EQ(Ks[1].Source, Fp32[1].Source);
  EXPECT_EQ(Ks[2].Name, "hybc_attention_bwd_dkdv_" + Sig + "_bf16io_m47");
  EXPECT_EQ(ctypeOf(Ks[2], "dout"), "const float *");
  EXPECT_EQ(ctypeOf(Ks[2], "dv"), "float *");
  EXPECT_EQ(Ks[3].Name, "hybc_attention_bwd_dq_" + Sig + "_bf16io_m07");
  // Distinct code never shares a name across the variants.
  std::map<std::string, std::string> Seen;
  for (unsigned Bits : {0u, 0xffu, unsigned(BQ | BK | BV | BDk),
                        unsigned(BO | BDo), unsigned(BQ | BDq | BDv)}) {
    auto S = bf16Set(A, Bits);
    for (const KernelSpec &K : emitBoth(A, &S)) {
      auto It = Seen.emplace(K.Name, K.Source).first;
      EXPECT_EQ(It->second, K.Source) << K.Name;
    }
  }
  EXPECT_EQ(Seen.size(), 17u);
}

TEST(EmitAttention, UnsupportedShapesAreErrors) {
  AttnGraph Odd(1, 16, 4, 2, 12);
  auto E = emitAttentionForward(*Odd.Fwd, EmitContext{"m.hyb"});
  ASSERT_FALSE(static_cast<bool>(E));
  EXPECT_NE(toString(E.takeError()).find("multiple of 8"), std::string::npos);
  AttnGraph Big(1, 16, 2, 2, 256);
  auto E2 = emitAttentionBackward(*Big.Bwd, EmitContext{"m.hyb"});
  ASSERT_FALSE(static_cast<bool>(E2));
  EXPECT_NE(toString(E2.takeError()).find("attention codegen: q f32["),
            std::string::npos);
  Graph G;
  TensorType QT(DType::F32, {1, 8, 3, 16}), KT(DType::F32, {1, 8, 2, 16});
  Op *Bad = G.create(OpKind::Attention,
                     {G.input("q", QT), G.input("k", KT), G.input("v", KT)},
                     {QT, TensorType(DType::F32, {1, 3, 8})});
  auto E3 = emitAttentionForward(*Bad, EmitContext{});
  ASSERT_FALSE(static_cast<bool>(E3));
  EXPECT_NE(toString(E3.takeError()).find("multiple of kv heads"),
            std::string::npos);
}

TEST(EmitAttention, TileOverridesApplyOrAreErrors) {
  AttnGraph A(2, 1024, 8, 4, 64);
  EmitContext C{"m.hyb"};
  C.AttnTiles = {4, 64, 32};
  auto F = emitAttentionForward(*A.Fwd, C);
  auto B = emitAttentionBackward(*A.Bwd, C);
  HYBC_ASSERT_EXPECTED(F);
  HYBC_ASSERT_EXPECTED(B);
  EXPECT_EQ((*F)[0].Block[0], 128u) << "4 warps";
  EXPECT_EQ((*F)[0].Grid[0], 16u) << "64-query tiles";
  EXPECT_NE((*B)[1].Source.find("static constexpr int kBwdStep = 32;"),
            std::string::npos);
  // Register caps are tuned for the default tiles only.
  EXPECT_EQ((*B)[1].Source.find("__launch_bounds__(128, 3)"),
            std::string::npos);
  C.AttnTiles = {8, 32, 64}; // 128 queries staged through 2 x 32 rows
  auto Bad = emitAttentionForward(*A.Fwd, C);
  ASSERT_FALSE(static_cast<bool>(Bad));
  EXPECT_NE(toString(Bad.takeError()).find("bad HYBC_ATTN_TILES"),
            std::string::npos);
}

TEST(EmitAttention, KernelsCompileWithNvcc) {
  if (test::nvccPath().empty())
    GTEST_SKIP() << "nvcc not found (set HYBC_NVCC)";
  for (auto Shape : {std::vector<int64_t>{1, 77, 4, 2, 16},
                     std::vector<int64_t>{1, 77, 4, 2, 24},
                     std::vector<int64_t>{2, 1024, 8, 4, 64},
                     std::vector<int64_t>{1, 200, 4, 2, 64}, // ragged tail
                     std::vector<int64_t>{1, 50, 3, 1, 128}}) {
    AttnGraph A(Shape[0], Shape[1], Shape[2], Shape[3], Shape[4]);
    std::vector<KernelSpec> Ks = emitBoth(A);
    ASSERT_EQ(Ks.size(), 4u);
    EXPECT_EQ(test::nvccCompileAll(Ks), "");
    if (Shape[4] == 64) { // the mma.sync loops behind the sm_90a wgmma ones
      EXPECT_EQ(test::nvccCompileAll(Ks, "sm_80"), "");
    }
    // All tensors bf16, and a mix.
    for (unsigned Bits : {0xffu, unsigned(BQ | BK | BV | BDk | BDv)}) {
      auto S = bf16Set(A, Bits);
      EXPECT_EQ(test::nvccCompileAll(emitBoth(A, &S)), "");
    }
  }
}

} // namespace
