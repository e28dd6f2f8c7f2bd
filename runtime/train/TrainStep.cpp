//===- runtime/train/TrainStep.cpp - One optimizer step -------------------===//
//
// Optimizer set-up from the spec, and one step: every micro-batch through
// the backend (gradients accumulated with the 1/grad_accum scale), NaN
// checks, Muon/Adam with the LR multiplier, EMA, late-QAT switch.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/TrainRun.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace hybc;
using namespace hybc::ir;

static optim::ParamGroup toGroup(OptGroup G) {
  switch (G) {
  case OptGroup::MuonMatrix:
    return optim::ParamGroup::MuonMatrix;
  case OptGroup::AdamEmbed:
    return optim::ParamGroup::AdamEmbed;
  case OptGroup::AdamHead:
    return optim::ParamGroup::AdamHead;
  case OptGroup::AdamScalar:
    return optim::ParamGroup::AdamScalar;
  }
  return optim::ParamGroup::AdamScalar;
}

llvm::Error TrainRun::setupOptimizer() {
  optim::OptimizerConfig C;
  const MuonSpec &Mu = T.Muon;
  C.Muon.Momentum = Mu.Momentum;
  C.Muon.MomentumWarmupStart = Mu.MomentumWarmupStart;
  C.Muon.MomentumWarmupSteps = Mu.MomentumWarmupSteps;
  C.Muon.Nesterov = Mu.Nesterov;
  C.Muon.BackendSteps = static_cast<int>(Mu.NsSteps);
  C.Muon.EqR = Mu.EqR;
  C.Muon.WeightDecay = Mu.WeightDecay;
  const AdamSpec &A = T.Adam;
  optim::AdamConfig Adam;
  Adam.Beta1 = A.Beta1;
  Adam.Beta2 = A.Beta2;
  Adam.Eps = A.Eps;
  Adam.WeightDecay = A.WeightDecay;
  Adam.WdMode = optim::AdamWeightDecay::L2; // torch.optim.Adam weight_decay
  C.group(optim::ParamGroup::MuonMatrix).BaseLr = Mu.Lr;
  for (auto G : {optim::ParamGroup::AdamEmbed, optim::ParamGroup::AdamHead,
                 optim::ParamGroup::AdamScalar})
    C.group(G).Adam = Adam;
  C.group(optim::ParamGroup::AdamEmbed).BaseLr = A.EmbedLr;
  // PG keeps the tied embedding (and its Adam state) in bf16.
  C.group(optim::ParamGroup::AdamEmbed).Adam.Bf16 = M.S.Model.Embed.Tied;
  C.group(optim::ParamGroup::AdamHead).BaseLr = A.HeadLr;
  C.group(optim::ParamGroup::AdamScalar).BaseLr = A.ScalarLr;
  Opt = std::make_unique<optim::Optimizer>(C);
  for (const auto &P : M.Params) {
    int64_t Rows = P->type().rank() >= 2 ? P->type().Shape[0] : 1;
    Opt->addParam(P->name(), toGroup(P->group()), Rows, P->numel() / Rows);
  }
  Sched.Iterations = T.Iterations;
  Sched.WarmdownIters = T.WarmdownIters;
  Sched.MaxWallclockMs = T.WallclockSeconds * 1000.0;
  Sched.Shape = T.Warmdown == WarmdownShape::Cosine
                    ? optim::WarmdownShape::Cosine
                    : optim::WarmdownShape::Linear;
  Sched.WarmupSteps = T.LrWarmupSteps;
  optim::QatConfig Q;
  Q.Bits = static_cast<int>(T.QatBits);
  Q.Threshold = T.LateQatThreshold;
  Q.MinNumel = M.S.Export.ScalarKeep;
  Qat = std::make_unique<optim::LateQat>(Q);
  if (T.EmaDecay > 0) {
    Ema = std::make_unique<optim::Ema>(T.EmaDecay);
    for (const auto &P : M.Params)
      Ema->addTensor(P->name(),
                     llvm::ArrayRef<float>(Store.data(*P), P->numel()),
                     P->group() == OptGroup::AdamEmbed && M.S.Model.Embed.Tied);
  }
  return llvm::Error::success();
}

bool TrainRun::recurrenceActive() const {
  const RecurrenceSpec &R = M.S.Model.Recurrence;
  if (!R.Enabled)
    return false;
  if (R.Unit == RecurrenceUnit::Wallclock && T.WallclockSeconds > 0)
    return TrainMs >= R.Start * T.WallclockSeconds * 1000.0;
  return static_cast<double>(Step) >=
         R.Start * static_cast<double>(T.Iterations);
}

llvm::Error TrainRun::checkGradients() const {
  for (const auto &P : M.Params) {
    const float *G = Store.grad(*P);
    for (int64_t K = 0; K < P->numel(); ++K)
      if (!std::isfinite(G[K]))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("non-finite gradient in '{0}' (element {1}) at "
                          "step {2} (hint: lower the learning rates or "
                          "enable train.grad_clip)",
                          P->name(), K, Step + 1)
                .str());
  }
  return llvm::Error::success();
}

llvm::Expected<double> TrainRun::trainStep(double LrMult) {
  if (Qat->update(optim::warmdownMultiplier(Step, TrainMs, Sched)))
    Sink.emit(MetricEvent::make("info", Step, T.Iterations)
                  .str("late_qat", "enabled")
                  .num("lr_mult", LrMult));
  StepShape S;
  S.Batch = MicroSeqs;
  S.Time = T.SeqLen;
  S.Recurrence = recurrenceActive();
  S.Qat = Qat->active();
  if (Resident)
    return trainStepResident(S, LrMult);
  Store.zeroGrads();
  llvm::SmallVector<int32_t, 0> X, Y;
  double Loss = 0;
  for (int64_t Micro = 0; Micro < T.GradAccum; ++Micro) {
    if (llvm::Error E = Loader->nextBatch(
            T.BatchTokens, static_cast<unsigned>(T.SeqLen),
            static_cast<unsigned>(T.GradAccum), X, Y))
      return E;
    auto L = B->trainMicroStep(S, X, Y, Store);
    if (!L)
      return L.takeError();
    Loss += *L / static_cast<double>(T.GradAccum);
  }
  if (!std::isfinite(Loss))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("train_loss is {0} at step {1} (hint: lower the "
                      "learning rates)",
                      Loss, Step + 1)
            .str());
  if (llvm::Error E = checkGradients())
    return E;
  if (T.GradClip > 0) { // torch.nn.utils.clip_grad_norm_ semantics
    double Sq = 0;
    for (float G : Store.grads())
      Sq += static_cast<double>(G) * G;
    double Coef = T.GradClip / (std::sqrt(Sq) + 1e-6);
    if (Coef < 1.0)
      for (float &G : Store.grads())
        G = static_cast<float>(G * Coef);
  }
  std::vector<float *> Params;
  std::vector<const float *> Grads;
  for (const auto &P : M.Params) {
    Params.push_back(Store.data(*P));
    Grads.push_back(Store.grad(*P));
  }
  Opt->step(Params, Grads, Step, LrMult);
  if (Ema) {
    std::vector<const float *> Const(Params.begin(), Params.end());
    Ema->update(Const);
  }
  return Loss;
}

llvm::Expected<double> TrainRun::trainStepResident(const StepShape &S,
                                                   double LrMult) {
  ResidentStepArgs A;
  A.Step = Step;
  A.LrMult = LrMult;
  A.GradAccum = T.GradAccum;
  A.GradClip = T.GradClip;
  auto Next = [&](llvm::SmallVectorImpl<int32_t> &X,
                  llvm::SmallVectorImpl<int32_t> &Y) {
    return Loader->nextBatch(T.BatchTokens, static_cast<unsigned>(T.SeqLen),
                             static_cast<unsigned>(T.GradAccum), X, Y);
  };
  auto R = B->trainStepResident(S, A, Next, Store);
  if (!R)
    return R.takeError();
  if (R->NonFiniteGrads) {
    if (llvm::Error E = checkGradients())
      return E;
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "non-finite gradient norm at step %lld",
                                   static_cast<long long>(Step + 1));
  }
  if (!std::isfinite(R->Loss))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("train_loss is {0} at step {1} (hint: lower the "
                      "learning rates)",
                      R->Loss, Step + 1)
            .str());
  return R->Loss;
}

llvm::Error TrainRun::pullResidentState() {
  if (!Resident)
    return llvm::Error::success();
  return B->downloadState(Store, Opt->state(), Ema.get());
}
