//===- tests/codegen/cuemu/CudaEmu.h - Run CUDA kernels on the CPU -*- C++ -*-//
///
/// \file
/// Test-only shims that let the generated hybc kernels (header-free CUDA
/// C++ on the embedded prelude) compile as host C++ and run on the CPU, one
/// block at a time, its threads as cooperative fibers (ucontext). Warp
/// shuffles, ballots and __syncthreads are real barriers between the
/// fibers, so lane mappings, reductions and shared-memory combines are
/// checked as written. CudaEmuPrelude.h holds the shims (`__shared__`
/// becomes `static`: one block runs at a time) and is force-included
/// (`-include`) before each generated `.cu` file.
///
/// Example:
///   void *Args[] = {X, Y};
///   cuemu::launch(Fn, Args, 2, {4, 1, 1}, {256, 1, 1});
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_CODEGEN_CUEMU_CUDAEMU_H
#define HYBC_TESTS_CODEGEN_CUEMU_CUDAEMU_H

#include <cmath>
#include <cstdint>
#include <cstring>

struct CuemuDim3 {
  unsigned x = 1, y = 1, z = 1;
};

namespace cuemu {

/// Built-in variables of the running fiber.
struct ThreadVars {
  CuemuDim3 ThreadIdx, BlockIdx, BlockDim, GridDim;
};
const ThreadVars &current();

void syncThreads();
uint64_t shuffleBits(unsigned Mask, uint64_t Bits, int SrcLane);
unsigned ballot(unsigned Mask, bool Pred);

/// Runs Fn(Args[0], ..., Args[N-1]) (every arg a pointer) as a kernel.
void launch(void *Fn, void *const *Args, unsigned N, CuemuDim3 Grid,
            CuemuDim3 Block);

template <typename T> T bitsTo(uint64_t B) {
  T V;
  std::memcpy(&V, &B, sizeof(T));
  return V;
}
template <typename T> uint64_t toBits(T V) {
  uint64_t B = 0;
  std::memcpy(&B, &V, sizeof(T));
  return B;
}

} // namespace cuemu

#endif // HYBC_TESTS_CODEGEN_CUEMU_CUDAEMU_H
