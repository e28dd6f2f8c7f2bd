//===- runtime/gpu/Arena.cpp - Planning device memory ---------------------===//
//
/// \file
/// planArena: buffer validation, alias groups (union of a value with the
/// buffer it aliases), step liveness, bump offsets for parameters, gradients
/// and optimizer state, and first-fit interval packing of activations.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Arena.h"
#include "runtime/gpu/GpuError.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

uint64_t alignUp(uint64_t X) {
  return (X + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

ArenaClass classOf(PlanBuffer::Role R) {
  switch (R) {
  case PlanBuffer::Param:
    return ArenaClass::Params;
  case PlanBuffer::Grad:
    return ArenaClass::Grads;
  case PlanBuffer::Input:
  case PlanBuffer::Activation:
    return ArenaClass::Activations;
  }
  return ArenaClass::Activations;
}

/// Values sharing one slot: a buffer and every alias of it.
struct Group {
  unsigned Root = 0;
  uint64_t Bytes = 0;
  ArenaClass Class = ArenaClass::Activations;
  bool WholeStep = false; ///< Input, loss, or never touched by a step.
  int First = -1, Last = -1;
  uint64_t Offset = 0;
};

struct Planner {
  explicit Planner(const Plan &P) : P(P) {}

  const Plan &P;
  DenseMap<unsigned, const PlanBuffer *> ById;
  DenseMap<unsigned, unsigned> AliasOf; ///< Dst -> Src.
  DenseMap<unsigned, unsigned> GroupOf; ///< Root -> index in Groups.
  std::vector<Group> Groups;            ///< In Buffers order.

  Error indexBuffers();
  Expected<unsigned> root(unsigned V) const;
  Error buildGroups();
  Error computeLiveness();
};

Error Planner::indexBuffers() {
  for (const PlanBuffer &B : P.Buffers) {
    if (!ById.insert({B.ValueId, &B}).second)
      return gpuError(
          "plan: value %" + Twine(B.ValueId) +
          " has two "
          "PlanBuffers (hint: a lowering bug; each value gets one)");
    if (B.Elements < 0)
      return gpuError("plan: buffer %" + Twine(B.ValueId) + " has " +
                      Twine(B.Elements) + " elements");
  }
  for (const PlanStep &S : P.Steps)
    if (S.K == PlanStep::Alias)
      AliasOf[S.Dst] = S.Src;
  return Error::success();
}

Expected<unsigned> Planner::root(unsigned V) const {
  for (size_t Hops = 0; Hops <= AliasOf.size(); ++Hops) {
    auto It = AliasOf.find(V);
    if (It == AliasOf.end()) {
      if (!ById.count(V))
        return gpuError("plan: value %" + Twine(V) +
                        " has no PlanBuffer and "
                        "aliases none (hint: a lowering bug)");
      return V;
    }
    V = It->second;
  }
  return gpuError("plan: alias steps form a cycle through value %" + Twine(V));
}

Error Planner::buildGroups() {
  for (const PlanBuffer &B : P.Buffers) {
    Expected<unsigned> R = root(B.ValueId);
    if (!R)
      return R.takeError();
    Expected<unsigned> Size = dtypeBytes(B.DType);
    if (!Size)
      return withContext("plan: buffer %" + Twine(B.ValueId), Size.takeError());
    auto [It, New] = GroupOf.insert({*R, unsigned(Groups.size())});
    if (New) {
      Groups.emplace_back();
      Groups.back().Root = *R;
      Groups.back().Class = classOf(ById.lookup(*R)->R);
    }
    Group &G = Groups[It->second];
    G.Bytes = std::max<uint64_t>(G.Bytes, uint64_t(B.Elements) * *Size);
    if (B.R == PlanBuffer::Input)
      G.WholeStep = true;
  }
  return Error::success();
}

Error Planner::computeLiveness() {
  SmallVector<unsigned, 16> Vals;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    // Alias steps launch nothing: the accumulation aliases all sit at the
    // start of a plan and would keep their buffers live for the whole step.
    if (P.Steps[I].K == PlanStep::Alias)
      continue;
    Vals.clear();
    valuesOfStep(P, P.Steps[I], Vals);
    for (unsigned V : Vals) {
      Expected<unsigned> R = root(V);
      if (!R)
        return withContext("plan step " + Twine(I) + " ('" + P.Steps[I].Note +
                               "')",
                           R.takeError());
      Group &G = Groups[GroupOf.lookup(*R)];
      if (G.First < 0)
        G.First = int(I);
      G.Last = int(I);
      // Kept from one micro-batch to the next (the runtime skips the step).
      G.WholeStep |= P.Steps[I].PerUpdate;
    }
  }
  // The host reads the loss after the step (a plan may have none: tests).
  Expected<unsigned> Loss = root(P.LossValue);
  if (Loss)
    Groups[GroupOf.lookup(*Loss)].WholeStep = true;
  else
    consumeError(Loss.takeError());
  for (Group &G : Groups)
    if (G.WholeStep || G.First < 0) {
      G.First = 0;
      G.Last = std::max<int>(0, int(P.Steps.size()) - 1);
    }
  return Error::success();
}

/// Bump-allocates \p Bytes in \p Total; returns the offset.
uint64_t bump(uint64_t &Total, uint64_t Bytes) {
  uint64_t Off = Total;
  Total += alignUp(std::max<uint64_t>(Bytes, 1));
  return Off;
}

/// First fit by offset among groups whose lifetimes overlap; largest first.
uint64_t packActivations(std::vector<Group *> Acts) {
  std::stable_sort(Acts.begin(), Acts.end(),
                   [](const Group *A, const Group *B) {
                     if (A->Bytes != B->Bytes)
                       return A->Bytes > B->Bytes;
                     return A->First < B->First;
                   });
  std::vector<const Group *> Placed;
  uint64_t Total = 0;
  for (Group *G : Acts) {
    uint64_t Size = alignUp(std::max<uint64_t>(G->Bytes, 1));
    std::vector<const Group *> Busy;
    for (const Group *O : Placed)
      if (O->First <= G->Last && G->First <= O->Last)
        Busy.push_back(O);
    std::sort(Busy.begin(), Busy.end(), [](const Group *A, const Group *B) {
      return A->Offset < B->Offset;
    });
    uint64_t Off = 0;
    for (const Group *O : Busy) {
      if (Off + Size <= O->Offset)
        break;
      Off = std::max(Off, O->Offset + alignUp(std::max<uint64_t>(O->Bytes, 1)));
    }
    G->Offset = Off;
    Total = std::max(Total, Off + Size);
    Placed.push_back(G);
  }
  return Total;
}

} // namespace

Expected<unsigned> dtypeBytes(StringRef DType) {
  unsigned N = StringSwitch<unsigned>(DType)
                   .Cases("f32", "i32", 4)
                   .Cases("bf16", "f16", "u16", 2)
                   .Cases("f64", "i64", 8)
                   .Case("u8", 1)
                   .Default(0);
  if (N == 0)
    return gpuError("unknown dtype '" + DType +
                    "' (hint: one of f32, bf16, "
                    "f16, f64, i32, i64, u16, u8)");
  return N;
}

void valuesOfStep(const Plan &P, const PlanStep &S,
                  SmallVectorImpl<unsigned> &Out) {
  switch (S.K) {
  case PlanStep::Kernel: {
    assert(S.KernelIndex < P.Kernels.size() && "kernel step out of range");
    // Kernels are shared between launches: the buffers come from the step's
    // bindings; scratch args bind by name and are not arena values.
    const auto &Args = P.Kernels[S.KernelIndex].Args;
    for (size_t I = 0; I < Args.size(); ++I)
      if (Args[I].K == KernelArg::Buffer && !Args[I].Scratch)
        Out.push_back(I < S.Bindings.size() ? S.Bindings[I] : Args[I].ValueId);
    return;
  }
  case PlanStep::Gemm:
    Out.append({S.G.A, S.G.B, S.G.C});
    return;
  case PlanStep::Alias:
    Out.append({S.Dst, S.Src});
    return;
  }
}

Expected<ArenaPlan> planArena(const Plan &P, const ArenaOptions &O) {
  Planner Pl{P};
  if (Error E = Pl.indexBuffers())
    return E;
  if (Error E = Pl.buildGroups())
    return E;
  if (Error E = Pl.computeLiveness())
    return E;
  ArenaPlan AP;
  std::vector<Group *> Acts;
  const bool Resident = !O.ParamOffsets.empty();
  for (Group &G : Pl.Groups) {
    uint64_t &Total = AP.ClassBytes[unsigned(G.Class)];
    bool ParamLike =
        G.Class == ArenaClass::Params || G.Class == ArenaClass::Grads;
    if (Resident && ParamLike) {
      const PlanBuffer *B = Pl.ById.lookup(G.Root);
      if (B->ParamIndex >= O.ParamOffsets.size())
        return gpuError("plan: buffer %" + Twine(G.Root) + " names parameter " +
                        Twine(B->ParamIndex) + " outside the resident layout");
      G.Offset = O.ParamOffsets[B->ParamIndex];
      if (G.Offset + G.Bytes > O.ParamBytes)
        return gpuError("plan: parameter " + Twine(B->ParamIndex) +
                        " does not fit its resident slot");
      Total = O.ParamBytes;
    } else if (G.Class != ArenaClass::Activations || !O.ReuseActivations) {
      G.Offset = bump(Total, G.Bytes);
    }
    if (G.Class == ArenaClass::Activations) {
      Acts.push_back(&G);
      AP.ActivationBytesNoReuse += alignUp(std::max<uint64_t>(G.Bytes, 1));
    }
  }
  if (O.ReuseActivations)
    AP.ClassBytes[unsigned(ArenaClass::Activations)] = packActivations(Acts);
  uint64_t &OptTotal = AP.ClassBytes[unsigned(ArenaClass::OptState)];
  for (uint64_t Bytes : O.OptStateBytes)
    AP.OptState.push_back({ArenaClass::OptState, bump(OptTotal, Bytes), Bytes});
  SmallVector<unsigned, 0> Ids;
  for (const PlanBuffer &B : P.Buffers)
    Ids.push_back(B.ValueId);
  for (const auto &KV : Pl.AliasOf)
    Ids.push_back(KV.first);
  for (unsigned V : Ids) {
    Expected<unsigned> R = Pl.root(V);
    if (!R)
      return R.takeError();
    const Group &G = Pl.Groups[Pl.GroupOf.lookup(*R)];
    AP.Values[V] = {G.Class, G.Offset, G.Bytes};
  }
  return AP;
}

} // namespace gpu
} // namespace hybc
