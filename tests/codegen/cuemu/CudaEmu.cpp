//===- tests/codegen/cuemu/CudaEmu.cpp - Fiber scheduler for kernels ------===//
//
// Each block runs as Block.x fibers on the calling thread, scheduled round
// robin; a fiber yields only inside a barrier (syncThreads, a shuffle or a
// ballot) until every participant has arrived. Shuffle values are kept in
// two slots per lane (by the parity of the lane's shuffle count), so a fast
// lane cannot overwrite a value its partner has not read yet. A round in
// which no fiber makes progress is a deadlock (e.g. a barrier inside
// divergent code) and aborts.
//
//===----------------------------------------------------------------------===//
#include "CudaEmu.h"

#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <ucontext.h>
#include <utility>
#include <vector>

namespace {

constexpr size_t kStackBytes = 64 * 1024;

struct Fiber {
  ucontext_t Ctx;
  cuemu::ThreadVars Vars;
  bool Done = false;
  uint64_t ShflCount = 0;
  uint64_t Slot[2] = {0, 0};
  uint64_t BarrierGen = 0;
};

struct BlockState {
  std::vector<Fiber> Fibers;
  std::vector<std::vector<char>> Stacks;
  ucontext_t Scheduler;
  unsigned Current = 0;
  unsigned Arrived = 0;
  uint64_t Generation = 0;
  bool Progress = false;
  void *Fn = nullptr;
  void *const *Args = nullptr;
  unsigned NArgs = 0;
};

BlockState *B = nullptr;

void yieldToScheduler() {
  swapcontext(&B->Fibers[B->Current].Ctx, &B->Scheduler);
}

/// Calls Fn with the N pointers of A (every kernel arg is a pointer, so
/// the call matches the kernel's ABI on x86-64 and AArch64).
template <size_t> using VoidPtr = void *;

template <size_t... I>
void callWith(void *Fn, void *const *A, std::index_sequence<I...>) {
  using Fp = void (*)(VoidPtr<I>...);
  reinterpret_cast<Fp>(Fn)(A[I]...);
}

template <size_t... N>
constexpr std::array<void (*)(void *, void *const *), sizeof...(N)>
callTable(std::index_sequence<N...>) {
  return {{+[](void *Fn, void *const *A) {
    callWith(Fn, A, std::make_index_sequence<N>());
  }...}};
}

void callKernel(void *Fn, void *const *A, unsigned N) {
  static const auto Table = callTable(std::make_index_sequence<48>());
  if (N >= Table.size()) {
    fprintf(stderr, "cuemu: kernels with %u args are not supported\n", N);
    abort();
  }
  Table[N](Fn, A);
}

void fiberMain() {
  callKernel(B->Fn, B->Args, B->NArgs);
  B->Fibers[B->Current].Done = true;
  B->Progress = true;
}

/// Runs every fiber of the block until all are done.
void runBlock() {
  for (;;) {
    bool AllDone = true;
    B->Progress = false;
    for (unsigned T = 0; T < B->Fibers.size(); ++T) {
      if (B->Fibers[T].Done)
        continue;
      AllDone = false;
      B->Current = T;
      swapcontext(&B->Scheduler, &B->Fibers[T].Ctx);
    }
    if (AllDone)
      return;
    if (!B->Progress) {
      fprintf(stderr, "cuemu: deadlock (a barrier in divergent code?)\n");
      abort();
    }
  }
}

Fiber &self() { return B->Fibers[B->Current]; }

} // namespace

const cuemu::ThreadVars &cuemu::current() {
  assert(B && "CUDA built-in used outside a kernel");
  return self().Vars;
}

void cuemu::syncThreads() {
  uint64_t Gen = B->Generation;
  B->Progress = true;
  unsigned Live = 0;
  for (const Fiber &F : B->Fibers)
    Live += !F.Done;
  if (++B->Arrived == Live) {
    B->Arrived = 0;
    ++B->Generation;
    return;
  }
  while (B->Generation == Gen)
    yieldToScheduler();
}

namespace {

/// Deposits Bits, waits until every lane of Mask in this warp has deposited
/// its value of the same round, and returns the warp's fibers' base index.
unsigned exchange(unsigned Mask, uint64_t Bits, uint64_t &Round) {
  Fiber &F = self();
  Round = ++F.ShflCount;
  F.Slot[Round & 1] = Bits;
  B->Progress = true;
  unsigned Base = B->Current & ~31u;
  for (unsigned L = 0; L < 32; ++L) {
    if (!(Mask >> L & 1u))
      continue;
    assert(Base + L < B->Fibers.size() && "shuffle mask past the block");
    while (B->Fibers[Base + L].ShflCount < Round)
      yieldToScheduler();
  }
  B->Progress = true;
  return Base;
}

} // namespace

uint64_t cuemu::shuffleBits(unsigned Mask, uint64_t Bits, int SrcLane) {
  uint64_t Round;
  unsigned Base = exchange(Mask, Bits, Round);
  assert((Mask >> SrcLane & 1u) && "shuffle from a lane outside the mask");
  return B->Fibers[Base + SrcLane].Slot[Round & 1];
}

unsigned cuemu::ballot(unsigned Mask, bool Pred) {
  uint64_t Round;
  unsigned Base = exchange(Mask, Pred ? 1 : 0, Round);
  unsigned Out = 0;
  for (unsigned L = 0; L < 32; ++L)
    if ((Mask >> L & 1u) && B->Fibers[Base + L].Slot[Round & 1])
      Out |= 1u << L;
  return Out;
}

void cuemu::launch(void *Fn, void *const *Args, unsigned N, CuemuDim3 Grid,
                   CuemuDim3 Block) {
  assert(Grid.y == 1 && Grid.z == 1 && Block.y == 1 && Block.z == 1 &&
         "1-D launches only");
  BlockState S;
  S.Fn = Fn;
  S.Args = Args;
  S.NArgs = N;
  S.Stacks.assign(Block.x, std::vector<char>(kStackBytes));
  for (unsigned Bx = 0; Bx < Grid.x; ++Bx) {
    S.Fibers.assign(Block.x, Fiber());
    S.Arrived = 0;
    for (unsigned T = 0; T < Block.x; ++T) {
      Fiber &F = S.Fibers[T];
      // Indices are 0 in unused dimensions (CuemuDim3 defaults to 1, the
      // right default for sizes only).
      F.Vars.ThreadIdx = CuemuDim3{T, 0, 0};
      F.Vars.BlockIdx = CuemuDim3{Bx, 0, 0};
      F.Vars.BlockDim = Block;
      F.Vars.GridDim = Grid;
      getcontext(&F.Ctx);
      F.Ctx.uc_stack.ss_sp = S.Stacks[T].data();
      F.Ctx.uc_stack.ss_size = kStackBytes;
      F.Ctx.uc_link = &S.Scheduler;
      makecontext(&F.Ctx, fiberMain, 0);
    }
    B = &S;
    runBlock();
    B = nullptr;
  }
}
