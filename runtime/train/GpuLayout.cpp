//===- runtime/train/GpuLayout.cpp - Device layout of parameters ----------===//
#include "runtime/train/GpuLayout.h"

#include <map>

using namespace hybc;
using namespace hybc::ir;

static uint64_t alignFloats(uint64_t N) {
  return (N + kGpuSlotAlignFloats - 1) / kGpuSlotAlignFloats *
         kGpuSlotAlignFloats;
}

GpuParamLayout hybc::layoutParams(const Model &M) {
  GpuParamLayout L;
  L.Offsets.assign(M.Params.size(), 0);
  // Muon shapes in order of first appearance.
  std::vector<std::pair<int64_t, int64_t>> Shapes;
  std::map<std::pair<int64_t, int64_t>, std::vector<unsigned>> ByShape;
  std::vector<unsigned> Adam[3];
  for (const auto &P : M.Params) {
    if (P->group() == OptGroup::MuonMatrix) {
      int64_t Rows = P->type().Shape[0];
      auto Key = std::make_pair(Rows, P->numel() / Rows);
      if (!ByShape.count(Key))
        Shapes.push_back(Key);
      ByShape[Key].push_back(P->index());
      continue;
    }
    unsigned G = P->group() == OptGroup::AdamEmbed  ? 0
                 : P->group() == OptGroup::AdamHead ? 1
                                                    : 2;
    Adam[G].push_back(P->index());
  }
  uint64_t Cur = 0;
  for (const auto &Key : Shapes) {
    GpuParamLayout::Segment S;
    S.Group = OptGroup::MuonMatrix;
    S.Rows = Key.first;
    S.Cols = Key.second;
    S.Offset = Cur;
    S.Stride = alignFloats(uint64_t(S.Rows * S.Cols));
    S.Params = ByShape[Key];
    for (unsigned I : S.Params) {
      L.Offsets[I] = Cur;
      Cur += S.Stride;
    }
    S.Floats = Cur - S.Offset;
    L.Segments.push_back(std::move(S));
  }
  const OptGroup Groups[3] = {OptGroup::AdamEmbed, OptGroup::AdamHead,
                              OptGroup::AdamScalar};
  for (unsigned G = 0; G < 3; ++G) {
    if (Adam[G].empty())
      continue;
    GpuParamLayout::Segment S;
    S.Group = Groups[G];
    S.Offset = Cur;
    S.Params = Adam[G];
    for (unsigned I : S.Params) {
      L.Offsets[I] = Cur;
      Cur += alignFloats(uint64_t(M.Params[I]->numel()));
    }
    S.Floats = Cur - S.Offset;
    L.Segments.push_back(std::move(S));
  }
  L.TotalFloats = Cur;
  return L;
}
