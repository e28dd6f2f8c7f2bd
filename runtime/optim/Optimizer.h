//===- runtime/optim/Optimizer.h - Muon + Adam groups -----------*- C++ -*-===//
///
/// \file
/// The PG optimizer set as one object: Muon for ParamGroup::MuonMatrix and
/// one Adam per other group, each group with its base LR; every step uses
/// lr = base * lr multiplier and the Muon momentum of the (0-based) step.
/// Mirrors the scripts: a Muon matrix without a gradient still gets weight
/// decay; an Adam parameter without a gradient is skipped (its step count
/// does not advance).
///
/// Example:
/// \code
///   Optimizer Opt(OptimizerConfig::baseline());
///   Opt.addParam("tok_emb.weight", ParamGroup::AdamEmbed, 1024, 512);
///   Opt.addParam("blocks.0.attn.c_q.weight", ParamGroup::MuonMatrix, 512,
///   512); Opt.step(ParamPtrs, GradPtrs, Step, lrMultiplier(Step, Ms, Sched));
///   llvm::SmallVector<char, 0> Ckpt; Opt.state().serialize(Ckpt);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_OPTIMIZER_H
#define HYBC_RUNTIME_OPTIM_OPTIMIZER_H

#include "runtime/optim/Adam.h"
#include "runtime/optim/Muon.h"
#include "runtime/optim/OptimizerState.h"
#include "runtime/optim/ParamView.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>

namespace hybc {
namespace optim {

/// Settings of one parameter group.
struct GroupConfig {
  double BaseLr = 0.04;
  /// Adam settings (ignored for MuonMatrix).
  AdamConfig Adam;
};

/// Settings of all groups.
struct OptimizerConfig {
  MuonConfig Muon;
  std::array<GroupConfig, kNumParamGroups> Groups;

  GroupConfig &group(ParamGroup G) { return Groups[static_cast<unsigned>(G)]; }
  const GroupConfig &group(ParamGroup G) const {
    return Groups[static_cast<unsigned>(G)];
  }

  /// PG baseline train_gpt.py: Muon lr 0.04 (0.85 -> 0.95 over 500 steps,
  /// no WD, no MuonEq-R); tied embed 0.05 (bf16 Adam); head 0.008; scalars
  /// 0.04; Adam betas (0.9, 0.95), eps 1e-8.
  static OptimizerConfig baseline();
  /// PG Mamba-3 hybrid record (PR #1644 command): Muon lr 0.025, momentum
  /// 0.85 -> 0.99, MuonEq-R, decoupled WD 0.04; embed 0.05 (bf16); scalars
  /// 0.02; head 0.008.
  static OptimizerConfig mamba3Hybrid();
};

/// Muon + Adam over registered parameters.
class Optimizer {
public:
  explicit Optimizer(OptimizerConfig Cfg) : Cfg(Cfg) {}

  /// Registers a parameter (order defines the Params/Grads order of step).
  unsigned addParam(llvm::StringRef Name, ParamGroup G, int64_t Rows,
                    int64_t Cols) {
    return State.addParam(Name, G, Rows, Cols);
  }

  /// One optimizer step. \p Params[i] / \p Grads[i] point at numel floats of
  /// parameter i (a null grad means "no gradient"). \p Step is the 0-based
  /// training step (Muon momentum warm-up); \p LrMult the schedule value.
  void step(llvm::ArrayRef<float *> Params, llvm::ArrayRef<const float *> Grads,
            int64_t Step, double LrMult);

  /// Effective LR of group \p G at multiplier \p LrMult.
  double groupLr(ParamGroup G, double LrMult) const {
    return Cfg.group(G).BaseLr * LrMult;
  }

  const OptimizerConfig &config() const { return Cfg; }
  const OptimizerState &state() const { return State; }
  OptimizerState &state() { return State; }

  /// Replaces the state with a deserialised blob after checking that it
  /// has this optimizer's layout; on error the state is unchanged.
  llvm::Error restore(llvm::StringRef Bytes, llvm::StringRef What);

private:
  OptimizerConfig Cfg;
  OptimizerState State;
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_OPTIMIZER_H
