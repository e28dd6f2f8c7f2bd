//===- tests/codegen/EmitTest.cpp - Generated source and manifest ---------===//
//
// Properties of every kernel the row / loss / embedding / reduce emitters
// write for the mini hybrid: header-free, named deterministically with the
// shape, shapes as constexprs, no atomics; the manifest has every field;
// helpers (float literals, hash) are exact.
//
//===----------------------------------------------------------------------===//
#include "CodegenTestUtil.h"

#include "codegen/EmitCommon.h"
#include "codegen/Emitters.h"
#include "codegen/Lowering.h"
#include "codegen/Manifest.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/Regex.h"

#include "gtest/gtest.h"

#include <cstdlib>

using namespace hybc;
using namespace hybc::ir;

namespace {

struct MiniPlans {
  std::unique_ptr<Model> M;
  std::unique_ptr<Graph> G[2];
  Plan P[2];
  std::vector<NamedPlan> Named;
  MiniPlans() {
    M = test::miniModel();
    for (int I = 0; I < 2; ++I) {
      G[I] = test::stepGraph(*M, I == 1, I == 1);
      auto R = lowerToKernels(*G[I], EmitContext{"hybrid_mini.hyb"},
                              test::placeholderEmitters());
      if (!R) {
        ADD_FAILURE() << llvm::toString(R.takeError());
        continue;
      }
      P[I] = std::move(*R);
      Named.push_back(NamedPlan{I ? "train_step.recur.qat" : "train_step",
                                I == 1, G[I]->Batch, G[I]->Time, &P[I],
                                I == 1});
    }
  }
  std::vector<const KernelSpec *> ours() const {
    std::vector<const KernelSpec *> Out;
    for (const Plan &Pl : P)
      for (const KernelSpec &K : Pl.Kernels)
        if (K.Family != "placeholder")
          Out.push_back(&K);
    return Out;
  }
};

TEST(Emit, PreludeIsEmbeddedAndHeaderFree) {
  std::string P = hybcPrelude().str();
  EXPECT_GT(P.size(), 1000u);
  EXPECT_EQ(P.find("#include"), std::string::npos);
  EXPECT_NE(P.find("struct bf16"), std::string::npos);
  EXPECT_NE(P.find("__shfl_xor_sync"), std::string::npos);
  EXPECT_NE(P.find("struct RowLayout"), std::string::npos);
}

TEST(Emit, SourcesAreCompleteHeaderFreeAndNamed) {
  MiniPlans MP;
  llvm::Regex Name("^hybc_[a-z0-9_]+_(fwd|bwd)_[a-z0-9_]+_[0-9a-f]{8}$");
  auto Ks = MP.ours();
  ASSERT_GT(Ks.size(), 20u);
  for (const KernelSpec *K : Ks) {
    EXPECT_TRUE(Name.match(K->Name)) << K->Name;
    const std::string &S = K->Source;
    EXPECT_EQ(S.rfind("// " + K->Name + " (family ", 0), 0u) << K->Name;
    EXPECT_EQ(S.find("#include"), std::string::npos) << K->Name;
    EXPECT_NE(S.find(hybcPrelude().str()), std::string::npos) << K->Name;
    EXPECT_NE(S.find("extern \"C\" __global__"), std::string::npos);
    EXPECT_NE(S.find("\n" + K->Name + "("), std::string::npos) << K->Name;
    EXPECT_NE(S.find("static constexpr int k"), std::string::npos);
    EXPECT_EQ(kernelCode(S).find("atomic"), std::string::npos) << K->Name;
    EXPECT_EQ(S.find(kKernelNameToken), std::string::npos);
    EXPECT_FALSE(K->FusedOps.empty());
    EXPECT_GE(K->Grid[0], 1u);
    EXPECT_GE(K->Block[0], 32u);
    EXPECT_LE(K->Block[0], 1024u);
    for (const KernelArg &A : K->Args)
      EXPECT_NE(S.find(A.Name), std::string::npos) << A.Name;
  }
}

TEST(Emit, NamesCarryTheShape) {
  MiniPlans MP;
  bool Norm = false, Loss = false, Scatter = false;
  for (const KernelSpec *K : MP.ours()) {
    llvm::StringRef N = K->Name;
    Norm |= N.startswith("hybc_rms_norm_fwd_r") || N.contains("_rms_norm_");
    Loss |= N.startswith("hybc_lm_loss_fwd_r256_v64_");
    Scatter |= N.startswith("hybc_embedding_bwd_n256_v64_d32_");
  }
  EXPECT_TRUE(Norm);
  EXPECT_TRUE(Loss);
  EXPECT_TRUE(Scatter);
}

TEST(Emit, EveryFamilyIsUsed) {
  MiniPlans MP;
  std::set<std::string> Families;
  for (const KernelSpec *K : MP.ours())
    Families.insert(K->Family);
  for (const char *F : {"row", "reduce", "loss", "embedding"})
    EXPECT_TRUE(Families.count(F)) << F;
}

TEST(Emit, ColumnSumsAreTwoPassWithoutAtomics) {
  MiniPlans MP;
  unsigned Sums = 0;
  for (const KernelSpec *K : MP.ours()) {
    if (K->Family != "reduce")
      continue;
    ++Sums;
    // Warp y sums partial rows y, y + 32, ...; warp 0 adds the warp sums
    // in warp order: a fixed order, no atomics.
    EXPECT_NE(K->Source.find("for (int b = y; b < kParts; b += 32)"),
              std::string::npos);
    EXPECT_NE(K->Source.find("for (int g = 0; g < 32; ++g)"),
              std::string::npos);
    EXPECT_EQ(K->Source.find("atomic"), std::string::npos);
    ASSERT_EQ(K->Args.size(), 2u);
    EXPECT_TRUE(K->Args[0].Scratch);
    EXPECT_FALSE(K->Args[1].Scratch);
  }
  EXPECT_GT(Sums, 3u);
}

TEST(Emit, ManifestHasEveryField) {
  MiniPlans MP;
  auto J = manifestJson("hybrid_mini.hyb", MP.Named);
  ASSERT_TRUE(static_cast<bool>(J)) << llvm::toString(J.takeError());
  auto V = llvm::json::parse(*J);
  ASSERT_TRUE(static_cast<bool>(V)) << llvm::toString(V.takeError());
  const llvm::json::Object *Root = V->getAsObject();
  ASSERT_NE(Root, nullptr);
  EXPECT_EQ(Root->getString("format"),
            llvm::Optional<llvm::StringRef>("hybc-kernels-v1"));
  const llvm::json::Array *Ks = Root->getArray("kernels");
  ASSERT_NE(Ks, nullptr);
  ASSERT_FALSE(Ks->empty());
  for (const llvm::json::Value &K : *Ks) {
    const llvm::json::Object *O = K.getAsObject();
    ASSERT_NE(O, nullptr);
    for (const char *F : {"name", "file", "family"})
      EXPECT_TRUE(O->getString(F).hasValue()) << F;
    for (const char *F : {"grid", "block", "args", "fused_ops", "spec_lines"})
      EXPECT_NE(O->getArray(F), nullptr) << F;
    EXPECT_TRUE(O->getInteger("smem").hasValue());
  }
  const llvm::json::Array *Ps = Root->getArray("plans");
  ASSERT_NE(Ps, nullptr);
  ASSERT_EQ(Ps->size(), 2u);
  bool Gemm = false, Kernel = false, Alias = false;
  for (const llvm::json::Value &S :
       *(*Ps)[1].getAsObject()->getArray("steps")) {
    const llvm::json::Object *O = S.getAsObject();
    llvm::StringRef Kind = *O->getString("kind");
    Gemm |= Kind == "gemm" && O->getInteger("m") && O->getBoolean("accumulate");
    Kernel |= Kind == "kernel" && O->getArray("bindings") != nullptr;
    Alias |= Kind == "alias" && O->getInteger("dst").hasValue();
  }
  EXPECT_TRUE(Gemm && Kernel && Alias);
}

TEST(Emit, FloatLiteralsRoundTrip) {
  EXPECT_EQ(floatLit(3), "3.0f");
  EXPECT_EQ(floatLit(0.5), "0.5f");
  for (double V : {1e-5, 1.1920929e-07, 30.0, 0.1, -2.5e-30}) {
    std::string L = floatLit(V);
    ASSERT_EQ(L.back(), 'f');
    EXPECT_EQ(std::strtof(L.c_str(), nullptr), static_cast<float>(V)) << L;
  }
}

TEST(Emit, StableHashIsFnv1a) {
  EXPECT_EQ(stableHash(""), 14695981039346656037ULL);
  EXPECT_EQ(stableHash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(Emit, KernelCodeDropsOnlyComments) {
  EXPECT_EQ(kernelCode("// a\nint x;\n  // b\ny();"), "int x;\ny();\n");
}

} // namespace
