//===- tests/gpu/KernelParityAttentionTest.cpp - Attention on the GPU -----===//
///
/// \file
/// The emitted attention forward and backward kernels on the device against
/// the fp64 CPU oracle (runtime/cpu/Attention.h): o, lse, dq, dk, dv for a
/// small odd shape, the PG shape (B=2, T=1024, Hq=8, Hkv=4, D=64) and a
/// head dim of 128; the backward is run twice and must be bit-identical
/// (no atomics). Skipped without a GPU (GpuTest).
///
//===----------------------------------------------------------------------===//
#include "codegen/Emitters.h"
#include "runtime/cpu/Attention.h"
#include "tests/gpu/KernelParityUtil.h"

#include <random>

using namespace hybc;
using namespace hybc::ir;
using namespace hybc::test;

namespace {

struct Shape {
  int64_t B, T, Hq, Hkv, D;
};

class AttentionParity : public GpuTest,
                        public ::testing::WithParamInterface<Shape> {};

std::vector<float> randn(size_t N, unsigned Seed) {
  std::mt19937 Rng(Seed);
  std::normal_distribution<float> Nd(0.f, 1.f);
  std::vector<float> V(N);
  for (float &X : V)
    X = Nd(Rng);
  return V;
}

std::vector<double> toDouble(const std::vector<float> &V) {
  return std::vector<double>(V.begin(), V.end());
}

TEST_P(AttentionParity, MatchesTheCpuOracle) {
  const Shape S = GetParam();
  Graph G;
  G.input("ids", TensorType(DType::I32, {S.B, S.T}));
  TensorType QT(DType::F32, {S.B, S.T, S.Hq, S.D});
  TensorType KT(DType::F32, {S.B, S.T, S.Hkv, S.D});
  Value *Q = G.input("q", QT), *K = G.input("k", KT), *V = G.input("v", KT);
  Op *F = G.create(OpKind::Attention, {Q, K, V},
                   {QT, TensorType(DType::F32, {S.B, S.Hq, S.T})});
  Value *DO = G.input("do", QT);
  Op *Bw = G.create(OpKind::AttentionBwd,
                    {DO, Q, K, V, F->result(0), F->result(1)}, {QT, KT, KT});
  auto Fk = emitAttentionForward(*F, EmitContext{"parity.hyb"});
  auto Bk = emitAttentionBackward(*Bw, EmitContext{"parity.hyb"});
  HYBC_ASSERT_EXPECTED(Fk);
  HYBC_ASSERT_EXPECTED(Bk);

  std::vector<float> Qh = randn(QT.numel(), 1), Kh = randn(KT.numel(), 2);
  std::vector<float> Vh = randn(KT.numel(), 3), DOh = randn(QT.numel(), 4);
  std::vector<float> Oh, Lh, DQh, DKh, DVh;
  SpecRunner R(*Driver);
  R.bind(Q->id(), Qh), R.bind(K->id(), Kh), R.bind(V->id(), Vh);
  R.bind(DO->id(), DOh), R.bind(F->result(0)->id(), Oh);
  R.bind(F->result(1)->id(), Lh), R.bind(Bw->result(0)->id(), DQh);
  R.bind(Bw->result(1)->id(), DKh), R.bind(Bw->result(2)->id(), DVh);
  HYBC_ASSERT_OK(R.run(*Fk));
  HYBC_ASSERT_OK(R.run(*Bk));
  std::vector<float> DQ1 = DQh, DK1 = DKh, DV1 = DVh;
  HYBC_ASSERT_OK(R.run(*Bk));
  EXPECT_EQ(DQ1, DQh) << "dq is deterministic";
  EXPECT_EQ(DK1, DKh) << "dk is deterministic";
  EXPECT_EQ(DV1, DVh) << "dv is deterministic";

  cpu::AttentionDims Dm{S.B, S.T, S.Hq, S.Hkv, S.D};
  const double Scale = 1.0 / std::sqrt(double(S.D));
  std::vector<double> Qd = toDouble(Qh), Kd = toDouble(Kh), Vd = toDouble(Vh);
  std::vector<double> DOd = toDouble(DOh), Od(Qd.size()), Ld(Lh.size());
  std::vector<double> DQd(Qd.size()), DKd(Kd.size()), DVd(Vd.size());
  cpu::attentionForward<double>(Dm, Scale, Qd.data(), Kd.data(), Vd.data(),
                                Od.data(), Ld.data());
  cpu::attentionBackward<double>(Dm, Scale, Qd.data(), Kd.data(), Vd.data(),
                                 Od.data(), Ld.data(), DOd.data(), DQd.data(),
                                 DKd.data(), DVd.data());
  EXPECT_LT(relL2(Oh, Od), 1e-5);
  EXPECT_LT(relL2(Lh, Ld), 1e-5);
  EXPECT_LT(relL2(DQh, DQd), 1e-4);
  EXPECT_LT(relL2(DKh, DKd), 1e-4);
  EXPECT_LT(relL2(DVh, DVd), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionParity,
                         ::testing::Values(Shape{1, 77, 4, 2, 16},
                                           Shape{2, 1024, 8, 4, 64},
                                           Shape{1, 50, 3, 1, 128}));

} // namespace
