//===- tests/codegen/KernelEmuTest.cpp - Generated kernels vs the CPU -----===//
//
// Numerical check of the row, loss, embedding and column-sum kernels
// without a GPU: the golden kernels of the mini hybrid are compiled as host
// C++ (cuemu/CudaEmu.h: blocks as fibers, real shuffle/ballot/barrier
// semantics) into this test; every kernel step of the plan runs on the
// inputs the fp32 CPU interpreter computed, and every output it writes is
// compared with the interpreter's value of that IR value. Outputs start as
// NaN, so an element a kernel fails to write is caught too.
//
//===----------------------------------------------------------------------===//
#include "CodegenTestUtil.h"
#include "cuemu/CudaEmu.h"

#include "codegen/Lowering.h"
#include "runtime/cpu/Interpreter.h"
#include "runtime/train/ParamStore.h"

#include "gtest/gtest.h"

#include <cmath>
#include <dlfcn.h>
#include <limits>
#include <map>
#include <random>
#include <set>

using namespace hybc;
using namespace hybc::ir;

namespace {

struct Reference {
  std::unique_ptr<Model> M;
  std::vector<std::unique_ptr<Param>> OwnParams; ///< extrasGraph's inputs.
  std::unique_ptr<Graph> G;
  Plan P;
  std::unique_ptr<ParamStore> Store;
  std::map<std::string, std::vector<int32_t>> Inputs;
  std::unique_ptr<cpu::Interpreter<float>> I;
  std::vector<const Value *> ById;
};

/// Interprets R.G (fp32) with every value kept, on seeded random
/// parameters Params and token inputs of Vocab ids.
void interpret(Reference &R, llvm::ArrayRef<Param *> Params,
               std::vector<float> &Values, int64_t Vocab) {
  std::mt19937 Rng(11);
  std::normal_distribution<float> Noise(0.0f, 0.05f);
  for (float &V : Values)
    V += Noise(Rng);
  std::uniform_int_distribution<int32_t> Tok(0,
                                             static_cast<int32_t>(Vocab) - 1);
  for (const char *Name : {"ids", "targets"}) {
    std::vector<int32_t> &Ids = R.Inputs[Name];
    Ids.resize(std::max<int64_t>(1, R.G->Batch * R.G->Time));
    for (int32_t &T : Ids)
      T = Tok(Rng);
  }
  R.I = std::make_unique<cpu::Interpreter<float>>(*R.G);
  int64_t Off = 0;
  for (Param *P : Params) {
    R.I->bindParam(*P, Values.data() + Off);
    Off += P->numel();
  }
  for (const auto &In : R.Inputs)
    R.I->bindInput(In.first, In.second.data());
  llvm::Error E = R.I->run();
  ASSERT_FALSE(static_cast<bool>(E)) << llvm::toString(std::move(E));
}

/// Keeps every value of R.G alive after the run (the interpreter frees
/// values after their last use unless they are gradients).
void keepAll(Reference &R) {
  Param *Any = R.G->ParamGrads.front().first;
  R.ById.assign(R.G->numValues(), nullptr);
  for (const auto &O : R.G->ops())
    for (Value *V : O->results()) {
      R.ById[V->id()] = V;
      R.G->ParamGrads.push_back({Any, V});
    }
}

std::vector<float> ExtrasValues;

void buildExtras(Reference &R) {
  R.G = test::extrasGraph(R.OwnParams);
  auto P = lowerToKernels(*R.G, EmitContext{"extras"});
  ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
  R.P = std::move(*P);
  keepAll(R);
  std::vector<Param *> Ps;
  int64_t N = 0;
  for (auto &P : R.OwnParams) {
    Ps.push_back(P.get());
    N += P->numel();
  }
  ExtrasValues.assign(N, 0.0f);
  std::mt19937 Rng(5);
  std::uniform_real_distribution<float> U(-1.0f, 1.0f);
  for (float &V : ExtrasValues)
    V = U(Rng);
  interpret(R, Ps, ExtrasValues, 1);
}

void build(Reference &R, bool Recur, bool Qat) {
  R.M = test::miniModel();
  ASSERT_TRUE(R.M);
  R.G = test::stepGraph(*R.M, Recur, Qat);
  auto P = lowerToKernels(*R.G, EmitContext{R.M->S.Path},
                          test::placeholderEmitters());
  ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
  R.P = std::move(*P);
  keepAll(R);
  R.Store = std::make_unique<ParamStore>(R.M->Params);
  R.Store->initialize(7);
  std::vector<Param *> Ps;
  for (const auto &P : R.M->Params)
    Ps.push_back(P.get());
  interpret(R, Ps, R.Store->values(), R.M->S.Model.Vocab);
}

/// Largest |got - want| over the tensor, and the largest |want|.
std::pair<double, double> compare(const float *Got, const float *Want,
                                  int64_t N) {
  double Err = 0, Mag = 0;
  for (int64_t K = 0; K < N; ++K) {
    double D = std::fabs(static_cast<double>(Got[K]) - Want[K]);
    Err = std::isnan(D) ? std::numeric_limits<double>::infinity()
                        : std::max(Err, D);
    Mag = std::max(Mag, std::fabs(static_cast<double>(Want[K])));
  }
  return {Err, Mag};
}

/// Runs kernel step S and checks its outputs; returns the kernel name.
std::string runStep(Reference &R, const PlanStep &S,
                    std::map<std::string, std::vector<float>> &Scratch) {
  const KernelSpec &K = R.P.Kernels[S.KernelIndex];
  void *Fn = dlsym(RTLD_DEFAULT, K.Name.c_str());
  EXPECT_NE(Fn, nullptr) << K.Name << " is not compiled into this test "
                         << "(regenerate goldens: HYBC_UPDATE_GOLDEN=1)";
  if (!Fn)
    return K.Name;
  std::vector<std::vector<float>> F(K.Args.size());
  std::vector<std::vector<int32_t>> Ints(K.Args.size());
  std::vector<void *> Ptr(K.Args.size());
  for (size_t A = 0; A < K.Args.size(); ++A) {
    const KernelArg &Arg = K.Args[A];
    if (Arg.Scratch) {
      std::vector<float> &Buf = Scratch[Arg.Name];
      Buf.resize(std::max<size_t>(Buf.size(), Arg.Elements));
      Ptr[A] = Buf.data();
      continue;
    }
    const Value &V = *R.ById[S.Bindings[A]];
    if (V.type().Elem == DType::I32) {
      Ints[A] = R.Inputs[V.def()->inputName().str()];
      Ptr[A] = Ints[A].data();
      continue;
    }
    F[A].assign(Arg.Elements, std::numeric_limits<float>::quiet_NaN());
    if (!Arg.Output) {
      const float *Src = R.I->value(V);
      F[A].assign(Src, Src + Arg.Elements);
    }
    Ptr[A] = F[A].data();
  }
  cuemu::launch(Fn, Ptr.data(), Ptr.size(), {K.Grid[0], 1, 1},
                {K.Block[0], 1, 1});
  for (size_t A = 0; A < K.Args.size(); ++A) {
    if (!K.Args[A].Output || K.Args[A].Scratch)
      continue;
    const Value &V = *R.ById[S.Bindings[A]];
    auto EM = compare(F[A].data(), R.I->value(V), K.Args[A].Elements);
    EXPECT_LE(EM.first, 2e-5 * (0.01 + EM.second))
        << K.Name << " output " << K.Args[A].Name << " (%" << V.id()
        << ", max |want| " << EM.second << ")";
  }
  return K.Name;
}

void checkPlan(Reference &R, size_t MinKernels) {
  if (::testing::Test::HasFatalFailure())
    return;
  std::map<std::string, std::vector<float>> Scratch;
  std::set<std::string> Ran, All;
  for (const KernelSpec &K : R.P.Kernels)
    if (K.Family != "placeholder")
      All.insert(K.Name);
  for (const PlanStep &S : R.P.Steps)
    if (S.K == PlanStep::Kernel &&
        R.P.Kernels[S.KernelIndex].Family != "placeholder")
      Ran.insert(runStep(R, S, Scratch));
  EXPECT_EQ(Ran, All);
  EXPECT_GE(Ran.size(), MinKernels);
}

TEST(KernelEmu, MiniHybridKernelsMatchTheInterpreter) {
  Reference R;
  build(R, false, false);
  checkPlan(R, 20);
}

TEST(KernelEmu, RecurrenceAndQatKernelsMatchTheInterpreter) {
  Reference R;
  build(R, true, true);
  checkPlan(R, 20);
}

TEST(KernelEmu, WideRowsAndMultiBlockSumsMatchTheInterpreter) {
  Reference R;
  buildExtras(R);
  checkPlan(R, 10);
}

} // namespace
