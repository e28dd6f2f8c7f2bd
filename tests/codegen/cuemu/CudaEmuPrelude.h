//===- tests/codegen/cuemu/CudaEmuPrelude.h - Shims + prelude ---*- C++ -*-===//
///
/// \file
/// Force-included before each golden kernel (whose prelude is replaced by a
/// marker line): the CUDA shims of CudaEmu.h, then the real device prelude.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_CODEGEN_CUEMU_CUDAEMUPRELUDE_H
#define HYBC_TESTS_CODEGEN_CUEMU_CUDAEMUPRELUDE_H

#include "CudaEmu.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __constant__ static
#define __align__(N) __attribute__((aligned(N)))
#define threadIdx (cuemu::current().ThreadIdx)
#define blockIdx (cuemu::current().BlockIdx)
#define blockDim (cuemu::current().BlockDim)
#define gridDim (cuemu::current().GridDim)

inline void __syncthreads() { cuemu::syncThreads(); }
template <typename T> T __shfl_xor_sync(unsigned Mask, T V, int LaneMask) {
  int Lane = static_cast<int>(cuemu::current().ThreadIdx.x & 31u);
  return cuemu::bitsTo<T>(
      cuemu::shuffleBits(Mask, cuemu::toBits(V), Lane ^ LaneMask));
}
inline unsigned __ballot_sync(unsigned Mask, bool Pred) {
  return cuemu::ballot(Mask, Pred);
}
inline int __popc(unsigned X) { return __builtin_popcount(X); }
inline float __uint_as_float(unsigned X) { return cuemu::bitsTo<float>(X); }
inline float __int_as_float(int X) {
  return cuemu::bitsTo<float>(static_cast<uint32_t>(X));
}
inline unsigned __float_as_uint(float X) {
  return static_cast<unsigned>(cuemu::toBits(X));
}
inline float __expf(float X) { return expf(X); }
inline float __logf(float X) { return logf(X); }
inline float __fdividef(float A, float B) { return A / B; }
inline void __sincosf(float X, float *S, float *C) {
  *S = sinf(X);
  *C = cosf(X);
}

#include "codegen/prelude/hybc_prelude.cuh"

#endif // HYBC_TESTS_CODEGEN_CUEMU_CUDAEMUPRELUDE_H
