//===- tests/codegen/GoldenTest.cpp - Generated text against goldens ------===//
//
// The kernels of the mini hybrid (tests/codegen/golden/hybrid_mini.hyb),
// plain and with recurrence + late QAT, compared byte for byte with
// tests/codegen/golden/hybrid_mini/: one <kernel>.cu per row / loss /
// embedding / reduce kernel (the prelude replaced by one marker line; the
// prelude itself is hybc_prelude.cuh.golden) and manifest.json. The
// attention / Mamba-3 kernels are placeholders here (their emitters have
// their own tests). golden/extras/ holds the kernels of test::extrasGraph
// (wide rows, multi-block column sums). Regenerate with
// HYBC_UPDATE_GOLDEN=1.
//
//===----------------------------------------------------------------------===//
#include "CodegenTestUtil.h"

#include "codegen/Emitters.h"
#include "codegen/Lowering.h"
#include "codegen/Manifest.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

constexpr const char *kPreludeMarker =
    "// <hybc prelude: codegen/prelude/hybc_prelude.cuh>\n";

/// Adds the kernels (prelude replaced by the marker) and manifest of Plans.
void addFiles(std::map<std::string, std::string> &Files, llvm::StringRef Spec,
              llvm::ArrayRef<NamedPlan> Named) {
  auto Ks = uniqueKernels(Named);
  auto J = manifestJson(Spec, Named);
  if (!Ks || !J) {
    ADD_FAILURE() << "manifest failed";
    llvm::consumeError(Ks.takeError());
    llvm::consumeError(J.takeError());
    return;
  }
  for (const KernelSpec *K : *Ks) {
    if (K->Family == "placeholder")
      continue;
    std::string S = K->Source;
    size_t At = S.find(hybcPrelude().str());
    EXPECT_NE(At, std::string::npos) << K->Name;
    if (At != std::string::npos)
      S.replace(At, hybcPrelude().size(), kPreludeMarker);
    Files[K->Name + ".cu"] = S;
  }
  Files["manifest.json"] = *J;
}

/// File name -> expected content of golden/hybrid_mini.
std::map<std::string, std::string> generateMini() {
  std::map<std::string, std::string> Files;
  auto M = test::miniModel();
  if (!M)
    return Files;
  std::unique_ptr<Graph> G[2];
  Plan P[2];
  std::vector<NamedPlan> Named;
  for (int I = 0; I < 2; ++I) {
    G[I] = test::stepGraph(*M, I == 1, I == 1);
    auto R = lowerToKernels(*G[I], EmitContext{M->S.Path},
                            test::placeholderEmitters());
    if (!R) {
      ADD_FAILURE() << llvm::toString(R.takeError());
      return Files;
    }
    P[I] = std::move(*R);
    Named.push_back(NamedPlan{I ? "train_step.recur.qat" : "train_step", I == 1,
                              G[I]->Batch, G[I]->Time, &P[I], I == 1});
  }
  addFiles(Files, M->S.Path, Named);
  Files["hybc_prelude.cuh.golden"] = hybcPrelude().str();
  return Files;
}

/// File name -> expected content of golden/extras.
std::map<std::string, std::string> generateExtras() {
  std::map<std::string, std::string> Files;
  std::vector<std::unique_ptr<Param>> Params;
  auto G = test::extrasGraph(Params);
  auto P = lowerToKernels(*G, EmitContext{"extras"});
  if (!P) {
    ADD_FAILURE() << llvm::toString(P.takeError());
    return Files;
  }
  addFiles(Files, "extras", {NamedPlan{"extras", false, 0, 0, &*P, false}});
  return Files;
}

std::map<std::string, std::string> generate(llvm::StringRef Which) {
  return Which == "extras" ? generateExtras() : generateMini();
}

std::string goldenDir(llvm::StringRef Which) {
  return test::sourcePath(("tests/codegen/golden/" + Which).str());
}

std::map<std::string, std::string> readDir(const std::string &Dir) {
  std::map<std::string, std::string> Files;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    auto Buf = llvm::MemoryBuffer::getFile(It->path());
    if (Buf)
      Files[llvm::sys::path::filename(It->path()).str()] =
          (*Buf)->getBuffer().str();
  }
  return Files;
}

void update(llvm::StringRef Which,
            const std::map<std::string, std::string> &Files) {
  std::string Dir = goldenDir(Which);
  for (const auto &Old : readDir(Dir))
    if (!Files.count(Old.first))
      llvm::sys::fs::remove(Dir + "/" + Old.first);
  ASSERT_FALSE(llvm::sys::fs::create_directories(Dir));
  for (const auto &F : Files) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Dir + "/" + F.first, EC);
    ASSERT_FALSE(EC) << F.first;
    OS << F.second;
  }
}

void checkGolden(llvm::StringRef Which) {
  std::map<std::string, std::string> Files = generate(Which);
  ASSERT_GT(Files.size(), 5u);
  if (std::getenv("HYBC_UPDATE_GOLDEN")) {
    update(Which, Files);
    GTEST_SKIP() << "goldens rewritten in " << goldenDir(Which);
  }
  std::map<std::string, std::string> Golden = readDir(goldenDir(Which));
  for (const auto &F : Files) {
    auto It = Golden.find(F.first);
    if (It == Golden.end()) {
      ADD_FAILURE() << "missing golden " << F.first
                    << " (rerun with HYBC_UPDATE_GOLDEN=1)";
      continue;
    }
    EXPECT_EQ(It->second, F.second) << F.first;
  }
  for (const auto &G : Golden)
    EXPECT_TRUE(Files.count(G.first)) << "stale golden " << G.first;
}

TEST(CodegenGolden, MiniHybridKernelsMatch) { checkGolden("hybrid_mini"); }

TEST(CodegenGolden, ExtraShapesKernelsMatch) { checkGolden("extras"); }

TEST(CodegenGolden, EmittingTwiceIsByteIdentical) {
  EXPECT_EQ(generate("hybrid_mini"), generate("hybrid_mini"));
  EXPECT_EQ(generate("extras"), generate("extras"));
}

} // namespace
