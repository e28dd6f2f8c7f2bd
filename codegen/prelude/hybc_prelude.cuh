//===- hybc_prelude.cuh - Device prelude of every hybc kernel ---*- CUDA -*-===//
//
// Embedded in the hybc binary (cmake/EmbedFiles.cmake) and prepended to every
// generated kernel, so NVRTC compiles each kernel with no include path. It
// includes no header: only NVRTC built-ins (threadIdx, __shfl_xor_sync,
// expf, ...) are used. Helpers are destination-first (ThunderKittens style):
// `hybc::load<Row>(dst, src, lane)`, `hybc::store<Row>(dst, src, lane)`.
//
//===----------------------------------------------------------------------===//
#ifndef HYBC_PRELUDE_CUH
#define HYBC_PRELUDE_CUH

namespace hybc {

typedef long long i64;
typedef unsigned int u32;
typedef unsigned short u16;

enum : u32 { kFullMask = 0xffffffffu };

//===-- bf16 (own type: no cuda_bf16.h) ------------------------------------===//

/// Raw bfloat16 storage; conversions go through the fp32 bit pattern.
struct bf16 {
  u16 Bits;
};

__device__ __forceinline__ float toFloat(bf16 X) {
  return __uint_as_float(static_cast<u32>(X.Bits) << 16);
}

/// Round to nearest even (NaN stays a quiet NaN), as torch's .bfloat16().
__device__ __forceinline__ bf16 toBf16(float X) {
  u32 B = __float_as_uint(X);
  if ((B & 0x7f800000u) == 0x7f800000u && (B & 0x007fffffu) != 0u)
    return bf16{static_cast<u16>((B >> 16) | 0x0040u)};
  B += 0x7fffu + ((B >> 16) & 1u);
  return bf16{static_cast<u16>(B >> 16)};
}

/// X rounded to the nearest bf16 value, kept in fp32.
__device__ __forceinline__ float roundBf16(float X) {
  return toFloat(toBf16(X));
}

/// One value of an fp32 or bf16 buffer as fp32, and back (bf16 rounded to
/// nearest even): kernels whose buffers are either, by overload.
__device__ __forceinline__ float ld(const float *P) { return *P; }
__device__ __forceinline__ float ld(const bf16 *P) { return toFloat(*P); }
__device__ __forceinline__ void st(float *P, float X) { *P = X; }
__device__ __forceinline__ void st(bf16 *P, float X) { *P = toBf16(X); }

//===-- Vector types ---------------------------------------------------------===//

struct alignas(16) f4 {
  float V[4];
};
struct alignas(8) f2 {
  float V[2];
};

template <int V> struct VecOf;
template <> struct VecOf<1> {
  typedef float Type;
};
template <> struct VecOf<2> {
  typedef f2 Type;
};
template <> struct VecOf<4> {
  typedef f4 Type;
};

/// V bf16 values loaded or stored as one access (8, 4 or 2 bytes).
template <int V> struct alignas(2 * V) Bf16Vec {
  bf16 E[V];
};

//===-- Math -----------------------------------------------------------------===//

/// Accurate forms (IEEE expf/log1pf): the default in generated kernels.
__device__ __forceinline__ float sigmoid(float X) {
  return 1.0f / (1.0f + expf(-X));
}
__device__ __forceinline__ float softplus(float X) {
  return X > 20.0f ? X : log1pf(expf(X));
}
/// Fast forms (SFU ex2/lg2, ~2 ulp).
__device__ __forceinline__ float fastExp(float X) { return __expf(X); }
__device__ __forceinline__ float fastSigmoid(float X) {
  return __fdividef(1.0f, 1.0f + __expf(-X));
}
__device__ __forceinline__ float fastSoftplus(float X) {
  return X > 20.0f ? X : __logf(1.0f + __expf(X));
}
__device__ __forceinline__ float square(float X) { return X * X; }

//===-- Reductions -------------------------------------------------------------===//

/// Lanes of the aligned group of G lanes (G a power of two <= 32) that
/// contains this thread.
template <int G> __device__ __forceinline__ u32 groupMask() {
  static_assert(G >= 1 && G <= 32 && (G & (G - 1)) == 0, "bad group size");
  if constexpr (G == 32)
    return kFullMask;
  else
    return ((1u << G) - 1u)
           << ((threadIdx.x & 31u) & ~static_cast<u32>(G - 1));
}

/// Sum over an aligned group of G lanes (butterfly: every lane gets the
/// result, in a fixed order, so the result is deterministic).
template <int G, typename T> __device__ __forceinline__ T groupSum(T V) {
  const u32 M = groupMask<G>();
#pragma unroll
  for (int O = G / 2; O > 0; O >>= 1)
    V += __shfl_xor_sync(M, V, O);
  return V;
}

template <int G, typename T> __device__ __forceinline__ T groupMax(T V) {
  const u32 M = groupMask<G>();
#pragma unroll
  for (int O = G / 2; O > 0; O >>= 1) {
    T W = __shfl_xor_sync(M, V, O);
    V = W > V ? W : V;
  }
  return V;
}

/// Sum over the NT threads of the block (NT a multiple of 32). Smem holds
/// NT / 32 values. Every thread must call it; all get the same result.
template <int NT, typename T>
__device__ __forceinline__ T blockSum(T V, T *Smem) {
  V = groupSum<32>(V);
  if ((threadIdx.x & 31u) == 0u)
    Smem[threadIdx.x / 32u] = V;
  __syncthreads();
  T S = Smem[0];
#pragma unroll
  for (int I = 1; I < NT / 32; ++I)
    S += Smem[I];
  __syncthreads();
  return S;
}

template <int NT, typename T>
__device__ __forceinline__ T blockMax(T V, T *Smem) {
  V = groupMax<32>(V);
  if ((threadIdx.x & 31u) == 0u)
    Smem[threadIdx.x / 32u] = V;
  __syncthreads();
  T S = Smem[0];
#pragma unroll
  for (int I = 1; I < NT / 32; ++I)
    S = Smem[I] > S ? Smem[I] : S;
  __syncthreads();
  return S;
}

/// Sum over the lanes that share one row: a lane group (G <= 32) or the
/// whole block (G == NT > 32, Smem of NT / 32 values; unused for G <= 32).
template <int G, int NT, typename T>
__device__ __forceinline__ T rowSum(T V, T *Smem = nullptr) {
  if constexpr (G <= 32)
    return groupSum<G>(V);
  else
    return blockSum<NT>(V, Smem);
}

template <int G, int NT, typename T>
__device__ __forceinline__ T rowMax(T V, T *Smem = nullptr) {
  if constexpr (G <= 32)
    return groupMax<G>(V);
  else
    return blockMax<NT>(V, Smem);
}

//===-- Rows held in registers ---------------------------------------------===//

/// A row of C floats spread over G lanes in vectors of V floats: register J
/// of lane L holds column ((J / V) * G + L) * V + J % V. Columns past C read
/// as 0 and are never written.
template <int G, int V, int C> struct RowLayout {
  static constexpr int kLanes = G;
  static constexpr int kVec = V;
  static constexpr int kCols = C;
  static constexpr int kSlots = (C + G * V - 1) / (G * V);
  static constexpr int kRegs = kSlots * V;
  static_assert(C % V == 0, "row width must be a multiple of the vector");

  __device__ static __forceinline__ int col(int J, int Lane) {
    return ((J / V) * G + Lane) * V + J % V;
  }
  __device__ static __forceinline__ bool slotInRange(int S, int Lane) {
    return C % (G * V) == 0 || (S * G + Lane) * V < C;
  }
};

/// Dst = the row at Src (Src points at column 0 of the row).
template <class Row>
__device__ __forceinline__ void load(float (&Dst)[Row::kRegs],
                                     const float *__restrict__ Src, int Lane) {
  typedef typename VecOf<Row::kVec>::Type Vec;
#pragma unroll
  for (int S = 0; S < Row::kSlots; ++S) {
    Vec T{};
    if (Row::slotInRange(S, Lane))
      T = reinterpret_cast<const Vec *>(Src)[S * Row::kLanes + Lane];
    const float *P = reinterpret_cast<const float *>(&T);
#pragma unroll
    for (int E = 0; E < Row::kVec; ++E)
      Dst[S * Row::kVec + E] = P[E];
  }
}

/// The row at Dst = Src.
template <class Row>
__device__ __forceinline__ void store(float *__restrict__ Dst,
                                      const float (&Src)[Row::kRegs],
                                      int Lane) {
  typedef typename VecOf<Row::kVec>::Type Vec;
#pragma unroll
  for (int S = 0; S < Row::kSlots; ++S) {
    if (!Row::slotInRange(S, Lane))
      continue;
    Vec T;
    float *P = reinterpret_cast<float *>(&T);
#pragma unroll
    for (int E = 0; E < Row::kVec; ++E)
      P[E] = Src[S * Row::kVec + E];
    reinterpret_cast<Vec *>(Dst)[S * Row::kLanes + Lane] = T;
  }
}

/// Dst = the bf16 row at Src, widened to fp32 (bf16 activation storage).
template <class Row>
__device__ __forceinline__ void load(float (&Dst)[Row::kRegs],
                                     const bf16 *__restrict__ Src, int Lane) {
  typedef Bf16Vec<Row::kVec> Vec;
#pragma unroll
  for (int S = 0; S < Row::kSlots; ++S) {
    Vec T{};
    if (Row::slotInRange(S, Lane))
      T = reinterpret_cast<const Vec *>(Src)[S * Row::kLanes + Lane];
#pragma unroll
    for (int E = 0; E < Row::kVec; ++E)
      Dst[S * Row::kVec + E] = toFloat(T.E[E]);
  }
}

/// The bf16 row at Dst = Src rounded to nearest even.
template <class Row>
__device__ __forceinline__ void store(bf16 *__restrict__ Dst,
                                      const float (&Src)[Row::kRegs],
                                      int Lane) {
  typedef Bf16Vec<Row::kVec> Vec;
#pragma unroll
  for (int S = 0; S < Row::kSlots; ++S) {
    if (!Row::slotInRange(S, Lane))
      continue;
    Vec T;
#pragma unroll
    for (int E = 0; E < Row::kVec; ++E)
      T.E[E] = toBf16(Src[S * Row::kVec + E]);
    reinterpret_cast<Vec *>(Dst)[S * Row::kLanes + Lane] = T;
  }
}

/// Dst = 0 for every register.
template <class Row> __device__ __forceinline__ void zero(float (&Dst)[Row::kRegs]) {
#pragma unroll
  for (int J = 0; J < Row::kRegs; ++J)
    Dst[J] = 0.0f;
}

//===-- Index helpers ----------------------------------------------------------===//

/// Global thread index (64-bit) and total threads of a 1-D grid.
__device__ __forceinline__ i64 globalThread() {
  return static_cast<i64>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ i64 gridThreads() {
  return static_cast<i64>(gridDim.x) * blockDim.x;
}
__device__ __forceinline__ int laneId() { return threadIdx.x & 31; }
__device__ __forceinline__ int warpId() { return threadIdx.x >> 5; }

} // namespace hybc

#endif // HYBC_PRELUDE_CUH
