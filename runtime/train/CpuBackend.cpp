//===- runtime/train/CpuBackend.cpp - Training steps on the CPU -----------===//
//
// Builds (and caches) the forward and forward+backward graphs per step shape
// and runs them with the fp32 interpreter.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/Passes.h"
#include "runtime/cpu/Interpreter.h"
#include "runtime/train/Backend.h"

#include <map>
#include <tuple>

using namespace hybc;
using namespace hybc::ir;

Backend::~Backend() = default;

static llvm::Error notResident(llvm::StringRef Name) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "the " + Name.str() + " backend keeps no device-resident state");
}

llvm::Error Backend::startResident(const ParamStore &, const optim::Optimizer &,
                                   const optim::Ema *) {
  return notResident(name());
}

llvm::Expected<ResidentStepResult>
Backend::trainStepResident(const StepShape &, const ResidentStepArgs &,
                           NextBatchFn, ParamStore &) {
  return notResident(name());
}

llvm::Error Backend::downloadState(ParamStore &, optim::OptimizerState &,
                                   optim::Ema *) {
  return notResident(name());
}

llvm::Error Backend::uploadParams(const ParamStore &) {
  return notResident(name());
}

namespace {

class CpuBackend : public Backend {
public:
  CpuBackend(const Model &M, double GradScale) : M(M), GradScale(GradScale) {}
  llvm::StringRef name() const override { return "cpu"; }

  llvm::Expected<double> trainMicroStep(const StepShape &S,
                                        llvm::ArrayRef<int32_t> X,
                                        llvm::ArrayRef<int32_t> Y,
                                        ParamStore &Store) override {
    auto G = graph(S, /*Train=*/true);
    if (!G)
      return G.takeError();
    cpu::Interpreter<float> I(**G);
    bind(I, Store, X, Y);
    if (llvm::Error E = I.run())
      return E;
    for (const auto &PG : (*G)->ParamGrads) {
      const float *D = I.value(*PG.second);
      float *Dst = Store.grad(*PG.first);
      int64_t N = PG.first->numel();
#pragma omp parallel for
      for (int64_t K = 0; K < N; ++K)
        Dst[K] += D[K];
    }
    return I.loss();
  }

  llvm::Error evalNll(const StepShape &S, llvm::ArrayRef<int32_t> X,
                      llvm::ArrayRef<int32_t> Y, const ParamStore &Store,
                      llvm::MutableArrayRef<float> Nll) override {
    auto G = graph(S, /*Train=*/false);
    if (!G)
      return G.takeError();
    cpu::Interpreter<float> I(**G);
    bind(I, Store, X, Y);
    if (llvm::Error E = I.run())
      return E;
    const float *Out = I.output();
    std::copy(Out, Out + Nll.size(), Nll.begin());
    return llvm::Error::success();
  }

private:
  void bind(cpu::Interpreter<float> &I, const ParamStore &Store,
            llvm::ArrayRef<int32_t> X, llvm::ArrayRef<int32_t> Y) {
    for (const auto &P : M.Params)
      I.bindParam(*P, Store.data(*P));
    I.bindInput("ids", X.data());
    I.bindInput("targets", Y.data());
  }

  llvm::Expected<const Graph *> graph(const StepShape &S, bool Train) {
    auto Key = std::make_pair(S, Train);
    auto It = Graphs.find(Key);
    if (It != Graphs.end())
      return It->second.get();
    ForwardOptions O;
    O.Batch = S.Batch;
    O.Time = S.Time;
    O.RecurrenceActive = S.Recurrence;
    O.QatActive = S.Qat;
    O.PerTokenLoss = !Train;
    std::unique_ptr<Graph> G = buildForward(M, O);
    if (Train)
      if (llvm::Error E = autodiff(*G, GradScale))
        return E;
    const Graph *Ptr = G.get();
    Graphs[Key] = std::move(G);
    return Ptr;
  }

  const Model &M;
  double GradScale;
  std::map<std::pair<StepShape, bool>, std::unique_ptr<Graph>> Graphs;
};

} // namespace

std::unique_ptr<Backend> hybc::makeCpuBackend(const Model &M,
                                              double GradScale) {
  return std::make_unique<CpuBackend>(M, GradScale);
}
