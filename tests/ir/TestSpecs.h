//===- tests/ir/TestSpecs.h - Specs built in C++ for IR tests ---*- C++ -*-===//
///
/// \file
/// Programmatic Spec construction (no frontend) with the derived fields that
/// sema would fill in, so IR and compiler tests can run on their own.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_IR_TESTSPECS_H
#define HYBC_TESTS_IR_TESTSPECS_H

#include "frontend/Spec.h"

#include <string>

namespace hybc {
namespace test {

inline BlockSpec attnBlock(int64_t D, int64_t Heads, int64_t KV, double Mult,
                           MlpActivation Act) {
  BlockSpec B;
  B.Name = "A";
  B.Kind = BlockKind::Attention;
  B.Attn.Heads = Heads;
  B.Attn.KVHeads = KV;
  B.Attn.HeadDim = D / Heads;
  B.Attn.RopeDims = B.Attn.HeadDim;
  B.Mlp.Mult = Mult;
  B.Mlp.Act = Act;
  B.Mlp.Hidden = static_cast<int64_t>(Mult * D);
  return B;
}

inline BlockSpec mambaBlock(int64_t D, int64_t N, int64_t P, double Mult) {
  BlockSpec B;
  B.Name = "M";
  B.Kind = BlockKind::Mamba3;
  Mamba3Spec &S = B.Mamba3;
  S.DState = N;
  S.HeadDim = P;
  S.DInner = S.Expand * D;
  S.NHeads = S.DInner / P;
  int64_t Split = static_cast<int64_t>(N * S.RopeFraction);
  Split -= Split % 2;
  S.NumRopeAngles = Split / 2;
  S.DProj = 2 * S.DInner + 2 * S.NGroups * N + 3 * S.NHeads + S.NumRopeAngles;
  B.Mlp.Mult = Mult;
  B.Mlp.Act = MlpActivation::LeakyRelu2;
  B.Mlp.Hidden = static_cast<int64_t>(Mult * D);
  return B;
}

/// Layers from a pattern of 'A'/'M' characters (blocks 0 = A, 1 = M).
inline void setPattern(ModelSpec &MS, const std::string &Pattern) {
  MS.Layers.clear();
  for (char C : Pattern)
    MS.Layers.push_back(C == 'A' ? 0 : 1);
}

/// PG naive baseline: 9 x 512, 8/4 heads, MLP 2x relu^2, tied.
inline Spec baselineSpec() {
  Spec S;
  S.Path = "baseline";
  S.Model.Blocks = {attnBlock(512, 8, 4, 2, MlpActivation::Relu2),
                    mambaBlock(512, 64, 64, 3)};
  setPattern(S.Model, "AAAAAAAAA");
  return S;
}

/// Seed PR #1607: MMMMAMMM, smear + bigram, hinge recurrence 3..4 x2.
inline Spec seedSpec() {
  Spec S;
  S.Path = "seed";
  S.Model.Blocks = {attnBlock(512, 8, 4, 3, MlpActivation::LeakyRelu2),
                    mambaBlock(512, 64, 64, 3)};
  setPattern(S.Model, "MMMMAMMM");
  S.Model.Embed.SmearGate = true;
  S.Model.Embed.BigramHash = true;
  S.Model.Recurrence.Enabled = true;
  S.Model.Recurrence.First = 3;
  S.Model.Recurrence.Last = 4;
  S.Model.Recurrence.Repeats = 2;
  S.Model.Skips.Overflow = SkipOverflow::Clamp;
  return S;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_IR_TESTSPECS_H
