//===- tests/codegen/EmitMamba3Test.cpp - Mamba-3 emitters ----------------===//
///
/// \file
/// The Mamba-3 SISO forward (prep + chunked core) and backward (prep, core,
/// post, reduce) emitters: names, byte-stable sources, launch configs,
/// scratch and value bindings, the chunk choice, attribute/shape errors,
/// and (when nvcc is installed) sm_90a compilation of every kernel for
/// small shapes with every option and the PG shape (B=2, L=1024, H=16,
/// P=64, N=64, S=16, chunk 64). GPU parity: tests/gpu/
/// KernelParityMamba3Test.cpp.
///
//===----------------------------------------------------------------------===//
#include "codegen/Emitters.h"
#include "tests/codegen/NvccCompile.h"

#include <gtest/gtest.h>

#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

struct M3Shape {
  int64_t B = 2, L = 1024, H = 16, P = 64, N = 64, G = 1, S = 16;
  int64_t Chunk = 64;
  bool HasD = true, OutNorm = false, Heavy = false;
};

/// A graph holding mamba3 and its mamba3_bwd.
struct M3Graph {
  Graph G;
  Op *Fwd = nullptr, *Bwd = nullptr;
  explicit M3Graph(const M3Shape &S, int64_t DProjDelta = 0) {
    G.input("ids", TensorType(DType::I32, {S.B, S.L}));
    G.Ctx.SpecLine = 9;
    const int64_t DI = S.H * S.P;
    const int64_t DP = 2 * DI + 2 * S.G * S.N + 3 * S.H + S.S + DProjDelta;
    auto T = [](std::initializer_list<int64_t> Sh) {
      return TensorType(DType::F32,
                        llvm::ArrayRef<int64_t>(Sh.begin(), Sh.end()));
    };
    std::vector<Value *> Ops = {
        G.input("w", T({S.B, S.L, DP})),  G.input("dt_bias", T({S.H})),
        G.input("b_bias", T({S.H, S.N})), G.input("c_bias", T({S.H, S.N})),
        G.input("b_norm", T({S.N})),      G.input("c_norm", T({S.N}))};
    if (S.HasD)
      Ops.push_back(G.input("d", T({S.H})));
    if (S.OutNorm)
      Ops.push_back(G.input("out_norm", T({DI})));
    std::vector<Attr> A = {intAttr("nheads", S.H),
                           intAttr("headdim", S.P),
                           intAttr("dstate", S.N),
                           intAttr("ngroups", S.G),
                           intAttr("angles", S.S),
                           intAttr("chunk", S.Chunk),
                           intAttr("a_act", S.Heavy),
                           floatAttr("a_floor", 1e-4),
                           floatAttr("eps", 1e-5),
                           intAttr("has_d", S.HasD),
                           intAttr("has_out_norm", S.OutNorm)};
    Fwd = G.create(OpKind::Mamba3, Ops, {T({S.B, S.L, DI})}, A);
    std::vector<Value *> BOps = {G.input("do", T({S.B, S.L, DI}))};
    std::vector<TensorType> Res;
    for (Value *V : Ops) {
      BOps.push_back(V);
      Res.push_back(V->type());
    }
    Bwd = G.create(OpKind::Mamba3Bwd, BOps, Res, A);
  }
};

std::vector<KernelSpec> emitAll(const M3Graph &M) {
  EmitContext C{"model.hyb"};
  auto F = emitMamba3Forward(*M.Fwd, C);
  auto B = emitMamba3Backward(*M.Bwd, C);
  EXPECT_TRUE(static_cast<bool>(F)) << (F ? "" : toString(F.takeError()));
  EXPECT_TRUE(static_cast<bool>(B)) << (B ? "" : toString(B.takeError()));
  std::vector<KernelSpec> All;
  if (F)
    All = std::move(*F);
  if (B)
    All.insert(All.end(), B->begin(), B->end());
  return All;
}

TEST(EmitMamba3, DeterministicNames) {
  std::vector<KernelSpec> Ks = emitAll(M3Graph(M3Shape()));
  const std::string Sig = "b2_l1024_h16_p64_n64_g1_s16_c64_d";
  std::vector<std::string> Names;
  for (const KernelSpec &K : Ks)
    Names.push_back(K.Name);
  EXPECT_EQ(Names, (std::vector<std::string>{
                       "hybc_mamba3_fwd_prep_" + Sig, "hybc_mamba3_fwd_" + Sig,
                       "hybc_mamba3_bwd_prep_" + Sig, "hybc_mamba3_bwd_" + Sig,
                       "hybc_mamba3_bwd_post_" + Sig,
                       "hybc_mamba3_bwd_reduce_" + Sig}));
  M3Shape S;
  S.HasD = false, S.OutNorm = true, S.Heavy = true, S.L = 100;
  EXPECT_EQ(emitAll(M3Graph(S))[1].Name,
            "hybc_mamba3_fwd_b2_l100_h16_p64_n64_g1_s16_c64_ht_on");
}

TEST(EmitMamba3, SourcesAreByteStableAndCarryProvenance) {
  std::vector<KernelSpec> X = emitAll(M3Graph(M3Shape()));
  std::vector<KernelSpec> Y = emitAll(M3Graph(M3Shape()));
  ASSERT_EQ(X.size(), Y.size());
  for (size_t I = 0; I < X.size(); ++I) {
    EXPECT_EQ(X[I].Source, Y[I].Source) << X[I].Name;
    EXPECT_EQ(X[I].Source.rfind(hybcPrelude().str(), 0), 0u);
    EXPECT_NE(X[I].Source.find("spec: model.hyb:9"), std::string::npos);
    EXPECT_NE(X[I].Source.find("// IR: %"), std::string::npos);
    EXPECT_EQ(X[I].Source.find("#include"), std::string::npos);
    EXPECT_EQ(X[I].Family, "mamba3");
  }
  EXPECT_NE(X[1].Source.find("= mamba3(%1, %2, %3, %4, %5, %6, %7)"),
            std::string::npos);
  EXPECT_NE(X[1].Source.find("static constexpr int kLc = 64;"),
            std::string::npos);
}

TEST(EmitMamba3, LaunchConfigsAndBindings) {
  M3Graph M{M3Shape()};
  std::vector<KernelSpec> Ks = emitAll(M);
  ASSERT_EQ(Ks.size(), 6u);
  EXPECT_EQ(Ks[0].Grid[0], 2u * 1024) << "prep: one block per token";
  for (int I : {1, 3}) {
    EXPECT_EQ(Ks[I].Grid[0], 16u);
    EXPECT_EQ(Ks[I].Grid[1], 2u);
    EXPECT_EQ(Ks[I].Block[0], 256u);
    EXPECT_GT(Ks[I].SharedBytes, 48u * 1024) << "state in shared memory";
    EXPECT_LE(Ks[I].SharedBytes, 232448u);
  }
  // Every scratch buffer read was written earlier with the same size.
  std::map<std::string, int64_t> Written;
  for (const KernelSpec &K : Ks)
    for (const KernelArg &A : K.Args) {
      if (!A.Scratch)
        continue;
      EXPECT_EQ(A.ValueId, 0u);
      if (!A.Output) {
        ASSERT_TRUE(Written.count(A.Name)) << A.Name << " in " << K.Name;
        EXPECT_EQ(Written[A.Name], A.Elements) << A.Name;
      } else if (!Written.count(A.Name)) {
        Written[A.Name] = A.Elements;
      }
    }
  EXPECT_EQ(Ks[1].Args.back().ValueId, M.Fwd->result()->id());
  // Every result of mamba3_bwd is written by some kernel.
  for (unsigned R = 0; R < M.Bwd->numResults(); ++R) {
    bool Found = false;
    for (size_t I = 2; I < Ks.size(); ++I)
      for (const KernelArg &A : Ks[I].Args)
        Found |= A.Output && A.ValueId == M.Bwd->result(R)->id() &&
                 A.Elements == M.Bwd->result(R)->type().numel();
    EXPECT_TRUE(Found) << "result " << R;
  }
}

TEST(EmitMamba3, ChunkIsRoundedToSupportedTiles) {
  M3Shape S;
  S.Chunk = 100;
  std::vector<KernelSpec> Ks = emitAll(M3Graph(S));
  ASSERT_EQ(Ks.size(), 6u);
  EXPECT_NE(Ks[1].Name.find("_c64"), std::string::npos);
  EXPECT_NE(Ks[1].Source.find("chunk attribute 100 evaluated with kernel "
                              "chunk 64"),
            std::string::npos);
  S.Chunk = 16;
  EXPECT_NE(emitAll(M3Graph(S))[3].Name.find("_c16"), std::string::npos);
  S.Chunk = 64, S.N = 128; // the backward shrinks its chunk to fit smem
  Ks = emitAll(M3Graph(S));
  ASSERT_EQ(Ks.size(), 6u);
  EXPECT_LE(Ks[3].SharedBytes, 232448u);
}

TEST(EmitMamba3, BadShapesAreErrors) {
  M3Graph Wrong(M3Shape(), /*DProjDelta=*/1);
  auto E = emitMamba3Forward(*Wrong.Fwd, EmitContext{});
  ASSERT_FALSE(static_cast<bool>(E));
  EXPECT_NE(toString(E.takeError()).find("last dim must be"),
            std::string::npos);
  M3Shape S;
  S.P = 24;
  auto E2 = emitMamba3Backward(*M3Graph(S).Bwd, EmitContext{});
  ASSERT_FALSE(static_cast<bool>(E2));
  EXPECT_NE(toString(E2.takeError()).find("multiples of 16"),
            std::string::npos);
}

TEST(EmitMamba3, KernelsCompileWithNvcc) {
  if (test::nvccPath().empty())
    GTEST_SKIP() << "nvcc not found (set HYBC_NVCC)";
  M3Shape Small;
  Small.B = 1, Small.L = 40, Small.H = 2, Small.P = 16, Small.N = 16;
  Small.S = 4, Small.Chunk = 16;
  M3Shape Opts = Small;
  Opts.G = 2, Opts.HasD = false, Opts.OutNorm = true, Opts.Heavy = true;
  for (const M3Shape &S : {Small, Opts, M3Shape()}) {
    std::vector<KernelSpec> Ks = emitAll(M3Graph(S));
    ASSERT_EQ(Ks.size(), 6u);
    EXPECT_EQ(test::nvccCompileAll(Ks), "");
  }
}

} // namespace
