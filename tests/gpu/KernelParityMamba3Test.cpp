//===- tests/gpu/KernelParityMamba3Test.cpp - Mamba-3 on the GPU ----------===//
///
/// \file
/// The emitted Mamba-3 forward (prep + chunked core) and backward (prep,
/// core, post, reduce) kernels on the device against the fp64 sequential
/// CPU oracle (runtime/cpu/Mamba3Layer.h: recurrence forward, BPTT
/// backward): o, every column block of dw and every parameter gradient,
/// for small shapes with every option (GQA groups, no D, output norm,
/// heavy-tail A, partial chunks, L < chunk), a large-Δ "hard" case and the
/// PG shape (B=2, L=1024, H=16, P=64, N=64, S=16, chunk 64). The backward
/// runs twice and must be bit-identical. Skipped without a GPU.
///
//===----------------------------------------------------------------------===//
#include "codegen/Emitters.h"
#include "runtime/cpu/Mamba3Layer.h"
#include "tests/gpu/KernelParityUtil.h"

#include <random>

using namespace hybc;
using namespace hybc::ir;
using namespace hybc::test;

namespace {

struct M3Case {
  int64_t B, L, H, P, N, G, S, Chunk;
  bool HasD, OutNorm, Heavy, Hard;
};

class Mamba3Parity : public GpuTest,
                     public ::testing::WithParamInterface<M3Case> {};

/// The ops, their host data and the fp64 oracle results of one case.
struct M3Setup {
  Graph G;
  Op *Fwd = nullptr, *Bwd = nullptr;
  std::vector<std::vector<float>> In; // operands of mamba3
  std::vector<float> DO;
  cpu::Mamba3Dims Dm;
  std::vector<double> ORef, DWRef;
  std::vector<std::vector<double>> GradRef; // per operand (1..)

  explicit M3Setup(const M3Case &C) {
    G.input("ids", TensorType(DType::I32, {C.B, C.L}));
    const int64_t DI = C.H * C.P;
    const int64_t DP = 2 * DI + 2 * C.G * C.N + 3 * C.H + C.S;
    auto T = [](std::initializer_list<int64_t> Sh) {
      return TensorType(DType::F32,
                        llvm::ArrayRef<int64_t>(Sh.begin(), Sh.end()));
    };
    std::vector<Value *> Ops = {
        G.input("w", T({C.B, C.L, DP})), G.input("dt_bias", T({C.H})),
        G.input("bb", T({C.H, C.N})),    G.input("cb", T({C.H, C.N})),
        G.input("bn", T({C.N})),         G.input("cn", T({C.N}))};
    if (C.HasD)
      Ops.push_back(G.input("d", T({C.H})));
    if (C.OutNorm)
      Ops.push_back(G.input("on", T({DI})));
    std::vector<Attr> A = {intAttr("nheads", C.H),
                           intAttr("headdim", C.P),
                           intAttr("dstate", C.N),
                           intAttr("ngroups", C.G),
                           intAttr("angles", C.S),
                           intAttr("chunk", C.Chunk),
                           intAttr("a_act", C.Heavy),
                           floatAttr("a_floor", 1e-4),
                           floatAttr("eps", 1e-5),
                           intAttr("has_d", C.HasD),
                           intAttr("has_out_norm", C.OutNorm)};
    Fwd = G.create(OpKind::Mamba3, Ops, {T({C.B, C.L, DI})}, A);
    std::vector<Value *> BOps = {G.input("do", T({C.B, C.L, DI}))};
    std::vector<TensorType> Res;
    for (Value *V : Ops) {
      BOps.push_back(V);
      Res.push_back(V->type());
    }
    Bwd = G.create(OpKind::Mamba3Bwd, BOps, Res, A);
    fillInputs(C, Ops);
    runOracle(C);
  }

  void fillInputs(const M3Case &C, llvm::ArrayRef<Value *> Ops) {
    std::mt19937 Rng(7);
    std::normal_distribution<float> Nd(0.f, 1.f);
    In.resize(Ops.size());
    for (size_t I = 0; I < Ops.size(); ++I) {
      In[I].resize(Ops[I]->type().numel());
      for (float &X : In[I])
        X = I == 0 ? Nd(Rng) : 1.f + 0.2f * Nd(Rng);
    }
    for (float &X : In[1]) // dt ~ 0.05 (Δ ~ 1.3 for the hard case)
      X = (C.Hard ? 1.f : -3.f) + 0.5f * Nd(Rng);
    DO.resize(C.B * C.L * C.H * C.P);
    for (float &X : DO)
      X = Nd(Rng);
  }

  void runOracle(const M3Case &C) {
    Dm.Batch = C.B, Dm.SeqLen = C.L, Dm.Heads = C.H, Dm.HeadDim = C.P;
    Dm.StateDim = C.N, Dm.Groups = C.G, Dm.NumAngles = C.S;
    Dm.AAct = C.Heavy ? cpu::Mamba3AAct::HeavyTail : cpu::Mamba3AAct::Softplus;
    Dm.OutProjNorm = C.OutNorm;
    std::vector<std::vector<double>> D(In.size());
    for (size_t I = 0; I < In.size(); ++I)
      D[I].assign(In[I].begin(), In[I].end());
    GradRef.resize(In.size());
    for (size_t I = 1; I < In.size(); ++I)
      GradRef[I].resize(In[I].size());
    cpu::Mamba3LayerParams<double> P;
    cpu::Mamba3LayerParamGrads<double> Gr;
    P.DtBias = D[1].data(), Gr.DtBias = GradRef[1].data();
    P.BBias = D[2].data(), Gr.BBias = GradRef[2].data();
    P.CBias = D[3].data(), Gr.CBias = GradRef[3].data();
    P.BNormW = D[4].data(), Gr.BNormW = GradRef[4].data();
    P.CNormW = D[5].data(), Gr.CNormW = GradRef[5].data();
    size_t Next = 6;
    if (C.HasD)
      P.D = D[Next].data(), Gr.D = GradRef[Next++].data();
    if (C.OutNorm)
      P.OutNormW = D[Next].data(), Gr.OutNormW = GradRef[Next].data();
    ORef.resize(DO.size());
    DWRef.resize(In[0].size());
    std::vector<double> DOd(DO.begin(), DO.end());
    cpu::Mamba3LayerSaved<double> Saved;
    cpu::mamba3LayerForward<double>(Dm, D[0].data(), P, {}, ORef.data(), {},
                                    Saved);
    cpu::mamba3LayerBackward<double>(Dm, D[0].data(), P, {}, Saved, DOd.data(),
                                     DWRef.data(), Gr);
  }
};

/// Relative L2 error of columns [C0, C1) of (Rows, Width) matrices.
double columnsRelL2(const std::vector<float> &Got,
                    const std::vector<double> &Ref, int64_t Width, int64_t C0,
                    int64_t C1) {
  std::vector<float> G;
  std::vector<double> R;
  for (size_t Row = 0; Row * Width < Ref.size(); ++Row)
    for (int64_t C = C0; C < C1; ++C) {
      G.push_back(Got[Row * Width + C]);
      R.push_back(Ref[Row * Width + C]);
    }
  return relL2(G, R);
}

TEST_P(Mamba3Parity, MatchesTheCpuOracle) {
  const M3Case C = GetParam();
  M3Setup S(C);
  auto Fk = emitMamba3Forward(*S.Fwd, EmitContext{"parity.hyb"});
  auto Bk = emitMamba3Backward(*S.Bwd, EmitContext{"parity.hyb"});
  HYBC_ASSERT_EXPECTED(Fk);
  HYBC_ASSERT_EXPECTED(Bk);
  SpecRunner R(*Driver);
  std::vector<float> O;
  std::vector<std::vector<float>> Grads(S.In.size());
  for (size_t I = 0; I < S.In.size(); ++I) {
    R.bind(S.Fwd->operand(I)->id(), S.In[I]);
    R.bind(S.Bwd->result(I)->id(), Grads[I]);
  }
  R.bind(S.Fwd->result()->id(), O);
  R.bind(S.Bwd->operand(0)->id(), S.DO);
  HYBC_ASSERT_OK(R.run(*Fk));
  HYBC_ASSERT_OK(R.run(*Bk));
  std::vector<std::vector<float>> First = Grads;
  HYBC_ASSERT_OK(R.run(*Bk));
  EXPECT_EQ(First, Grads) << "the backward is deterministic";

  EXPECT_LT(relL2(O, S.ORef), 1e-4) << "o";
  const int64_t DI = C.H * C.P, GN = C.G * C.N;
  const int64_t Cols[] = {0,
                          DI,
                          2 * DI,
                          2 * DI + GN,
                          2 * DI + 2 * GN,
                          2 * DI + 2 * GN + C.H,
                          2 * DI + 2 * GN + 2 * C.H,
                          2 * DI + 2 * GN + 3 * C.H,
                          2 * DI + 2 * GN + 3 * C.H + C.S};
  const char *Names[] = {"dz", "dx", "dB", "dC", "ddt", "dA", "dtrap", "dang"};
  for (int K = 0; K < 8; ++K)
    EXPECT_LT(columnsRelL2(Grads[0], S.DWRef, Cols[8], Cols[K], Cols[K + 1]),
              1e-3)
        << "dw columns " << Names[K];
  for (size_t I = 1; I < S.In.size(); ++I)
    EXPECT_LT(relL2(Grads[I], S.GradRef[I]), 1e-3) << "grad of operand " << I;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Mamba3Parity,
    ::testing::Values(
        M3Case{1, 40, 2, 16, 16, 1, 4, 16, true, true, true, false},
        M3Case{2, 70, 4, 16, 32, 2, 8, 32, false, false, false, false},
        M3Case{1, 9, 2, 16, 16, 2, 2, 100, true, false, true, false},
        M3Case{1, 130, 2, 32, 64, 1, 16, 64, true, true, false, true},
        M3Case{2, 1024, 16, 64, 64, 1, 16, 64, true, false, false, false}));

} // namespace
