//===- tests/train/GpuLayoutTest.cpp - Device layout of parameters --------===//
//
/// \file
/// layoutParams on examples/baseline_gpt.hyb: Muon matrices grouped by
/// shape into equally strided segments, Adam groups contiguous, every slot
/// aligned, no two parameters overlapping, every parameter placed once.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontend.h"
#include "ir/Model.h"
#include "runtime/train/GpuLayout.h"

#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::ir;

namespace {

std::unique_ptr<Model> baseline() {
  auto S = loadSpec(HYBC_SOURCE_DIR "/examples/baseline_gpt.hyb", {},
                    llvm::errs());
  EXPECT_TRUE(bool(S)) << toString(S.takeError());
  auto M = buildModel(*S);
  EXPECT_TRUE(bool(M)) << toString(M.takeError());
  return std::move(*M);
}

TEST(GpuLayout, BaselineSegments) {
  auto M = baseline();
  GpuParamLayout L = layoutParams(*M);
  ASSERT_EQ(L.Offsets.size(), M->Params.size());
  // c_q/proj 512x512, c_k/c_v 256x512, fc 1024x512, mlp proj 512x1024.
  std::vector<std::string> Shapes;
  size_t Muon = 0;
  for (const auto &S : L.Segments)
    if (S.Group == OptGroup::MuonMatrix) {
      ++Muon;
      EXPECT_EQ(S.Stride % kGpuSlotAlignFloats, 0u);
      EXPECT_EQ(S.Floats, S.Stride * S.Params.size());
      for (size_t I = 0; I < S.Params.size(); ++I)
        EXPECT_EQ(L.Offsets[S.Params[I]], S.Offset + I * S.Stride);
    }
  EXPECT_EQ(Muon, 4u);
  EXPECT_EQ(L.Segments[0].Rows, 512);
  EXPECT_EQ(L.Segments[0].Params.size(), 18u);
  EXPECT_EQ(L.Segments.back().Group, OptGroup::AdamScalar);
}

TEST(GpuLayout, SlotsAreAlignedDisjointAndComplete) {
  auto M = baseline();
  GpuParamLayout L = layoutParams(*M);
  std::vector<std::pair<uint64_t, uint64_t>> Spans;
  for (const auto &P : M->Params) {
    EXPECT_EQ(L.offset(*P) % kGpuSlotAlignFloats, 0u) << P->name().str();
    Spans.push_back({L.offset(*P), L.offset(*P) + P->numel()});
  }
  std::sort(Spans.begin(), Spans.end());
  for (size_t I = 1; I < Spans.size(); ++I)
    EXPECT_LE(Spans[I - 1].second, Spans[I].first);
  EXPECT_LE(Spans.back().second, L.TotalFloats);
  size_t Placed = 0;
  for (const auto &S : L.Segments)
    Placed += S.Params.size();
  EXPECT_EQ(Placed, M->Params.size());
}

} // namespace
