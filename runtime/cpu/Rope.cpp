//===- runtime/cpu/Rope.cpp - NeoX half-split (partial) RoPE --------------===//
///
/// \file
/// RoPE tables and the forward/backward rotations (formulas in Rope.h).
/// Forward and backward share one kernel that rotates by +angle or -angle.
/// Example: `ropeBackward<double>(B, Seq, H, Hd, R, Cos, Sin, DY, DX)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Rope.h"

#include <cassert>
#include <cmath>
#include <cstring>

namespace hybc {
namespace cpu {

float roundToBf16(float X) {
  uint32_t Bits;
  std::memcpy(&Bits, &X, sizeof(Bits));
  if ((Bits & 0x7f800000u) == 0x7f800000u && (Bits & 0x007fffffu) != 0)
    return X; // NaN: keep as is.
  const uint32_t Lsb = (Bits >> 16) & 1u;
  Bits += 0x7fffu + Lsb;
  Bits &= 0xffff0000u;
  float Out;
  std::memcpy(&Out, &Bits, sizeof(Out));
  return Out;
}

int64_t ropeDimsForFraction(int64_t HeadDim, double Fraction) {
  const int64_t Scaled =
      static_cast<int64_t>(static_cast<double>(HeadDim) * Fraction);
  const int64_t Even = Scaled / 2 * 2;
  return Even < 2 ? 2 : Even;
}

template <typename T>
void ropeTables(int64_t Seq, int64_t RopeDims, double Base, RopeTables Mode,
                T *Cos, T *Sin) {
  assert(RopeDims >= 2 && RopeDims % 2 == 0 && "rope: RopeDims must be even");
  const int64_t Half = RopeDims / 2;
  for (int64_t I = 0; I < Half; ++I) {
    if (Mode != RopeTables::Exact) {
      // fp32 construction of the buffer, then `.bfloat16()`.
      const float Exponent =
          static_cast<float>(2 * I) / static_cast<float>(RopeDims);
      const float Inv =
          roundToBf16(1.0f / std::pow(static_cast<float>(Base), Exponent));
      const bool Eager = Mode == RopeTables::Bf16Eager;
      for (int64_t P = 0; P < Seq; ++P) {
        const float Pos = static_cast<float>(P);
        const float Angle =
            Eager ? roundToBf16(roundToBf16(Pos) * Inv) : Pos * Inv;
        Cos[P * Half + I] = static_cast<T>(roundToBf16(std::cos(Angle)));
        Sin[P * Half + I] = static_cast<T>(roundToBf16(std::sin(Angle)));
      }
      continue;
    }
    // PyTorch builds the inv_freq buffer in fp32 (float pow and division);
    // the outer product and cos/sin then run in the table's dtype.
    const float ExponentF =
        static_cast<float>(2 * I) / static_cast<float>(RopeDims);
    const double Inv = static_cast<double>(
        1.0f / std::pow(static_cast<float>(Base), ExponentF));
    for (int64_t P = 0; P < Seq; ++P) {
      const double Angle = static_cast<double>(P) * Inv;
      Cos[P * Half + I] = static_cast<T>(std::cos(Angle));
      Sin[P * Half + I] = static_cast<T>(std::sin(Angle));
    }
  }
}

namespace {

/// Rotates every head of X by the table angle (SinSign = +1, forward) or by
/// its negative (SinSign = -1, backward).
template <typename T>
void ropeRotate(int64_t Batch, int64_t Seq, int64_t Heads, int64_t HeadDim,
                int64_t RopeDims, const T *Cos, const T *Sin, T SinSign,
                const T *X, T *Y) {
  assert(RopeDims >= 2 && RopeDims % 2 == 0 && RopeDims <= HeadDim &&
         "rope: need even RopeDims <= HeadDim");
  const int64_t Half = RopeDims / 2;
  const int64_t Rows = Batch * Seq;
#pragma omp parallel for schedule(static) if (Rows * Heads * HeadDim > 16384)
  for (int64_t Row = 0; Row < Rows; ++Row) {
    const int64_t Pos = Row % Seq;
    const T *C = Cos + Pos * Half;
    const T *S = Sin + Pos * Half;
    for (int64_t H = 0; H < Heads; ++H) {
      const T *In = X + (Row * Heads + H) * HeadDim;
      T *Out = Y + (Row * Heads + H) * HeadDim;
#pragma omp simd
      for (int64_t I = 0; I < Half; ++I) {
        const T X1 = In[I], X2 = In[Half + I];
        const T Sn = SinSign * S[I];
        Out[I] = X1 * C[I] + X2 * Sn;
        Out[Half + I] = X2 * C[I] - X1 * Sn;
      }
      if (Out != In)
        for (int64_t D = RopeDims; D < HeadDim; ++D)
          Out[D] = In[D];
    }
  }
}

} // namespace

template <typename T>
void ropeForward(int64_t Batch, int64_t Seq, int64_t Heads, int64_t HeadDim,
                 int64_t RopeDims, const T *Cos, const T *Sin, const T *X,
                 T *Y) {
  ropeRotate<T>(Batch, Seq, Heads, HeadDim, RopeDims, Cos, Sin, T(1), X, Y);
}

template <typename T>
void ropeBackward(int64_t Batch, int64_t Seq, int64_t Heads, int64_t HeadDim,
                  int64_t RopeDims, const T *Cos, const T *Sin, const T *DY,
                  T *DX) {
  ropeRotate<T>(Batch, Seq, Heads, HeadDim, RopeDims, Cos, Sin, T(-1), DY, DX);
}

#define HYBC_INSTANTIATE_ROPE(T)                                               \
  template void ropeTables<T>(int64_t, int64_t, double, RopeTables, T *, T *); \
  template void ropeForward<T>(int64_t, int64_t, int64_t, int64_t, int64_t,    \
                               const T *, const T *, const T *, T *);          \
  template void ropeBackward<T>(int64_t, int64_t, int64_t, int64_t, int64_t,   \
                                const T *, const T *, const T *, T *);
HYBC_INSTANTIATE_ROPE(float)
HYBC_INSTANTIATE_ROPE(double)
#undef HYBC_INSTANTIATE_ROPE

} // namespace cpu
} // namespace hybc
