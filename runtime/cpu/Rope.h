//===- runtime/cpu/Rope.h - NeoX half-split (partial) RoPE ------*- C++ -*-===//
///
/// \file
/// Rotary position embedding on (Batch, Seq, Heads, HeadDim) row-major
/// tensors, NeoX half-split layout, as in the Parameter Golf scripts
/// (`Rotary` + `apply_rotary_emb` in train_gpt.py, train_mamba3_hybrid.py and
/// train_nemotron_hybrid.py). With R = RopeDims (even, 2 <= R <= HeadDim)
/// and half = R / 2, for every head vector x and position t:
///
///   inv_freq[i] = 1 / Base^(2i / R),  i in [0, half)   (denominator is R)
///   c = cos(t * inv_freq[i]),  s = sin(t * inv_freq[i])
///   y[i]        =  x[i] * c + x[half + i] * s
///   y[half + i] = -x[i] * s + x[half + i] * c
///   y[d] = x[d] for d in [R, HeadDim)        (pass-through tail)
///
/// Partial RoPE (train_nemotron_hybrid.py `AttentionLayer`): R =
/// max(2, floor(HeadDim * rope_fraction) rounded down to even); the rotated
/// dims are the FIRST R dims of each head, the half split is inside those R
/// dims, and the frequency table is built for dimension R (Rotary(R)), not
/// HeadDim. train_gpt.py and train_mamba3_hybrid.py always use R = HeadDim.
///
/// Tables are (Seq, half) and computed by ropeTables(). The RopeTables mode
/// replicates the PyTorch quirk of the PG scripts (parameter-golf.md §1.3):
/// after `.bfloat16()` the inv_freq buffer is bf16. Eagerly, positions come
/// from an arange in bf16 (exact up to 256, then rounded) and the outer
/// product and cos/sin are rounded to bf16; under torch.compile (measured:
/// torch 2.11, H200) the angles are fp32 products of exact positions and
/// only cos/sin are rounded. The backward is the rotation by the opposite
/// angle (the transpose). Example:
///
/// \code
///   std::vector<float> Cos(Seq * R / 2), Sin(Seq * R / 2);
///   ropeTables<float>(Seq, R, 10000.0, RopeTables::Exact, Cos.data(),
///                     Sin.data());
///   ropeForward<float>(B, Seq, H, HeadDim, R, Cos.data(), Sin.data(), Q, Q);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_ROPE_H
#define HYBC_RUNTIME_CPU_ROPE_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Rounds a float to the nearest bfloat16 value (ties to even), returned as
/// float. NaN stays NaN.
float roundToBf16(float X);

/// Number of rotated dims for a rope fraction, as the nemotron script does:
/// max(2, (int(HeadDim * Fraction) / 2) * 2).
int64_t ropeDimsForFraction(int64_t HeadDim, double Fraction);

/// Table construction; the values are the IR attr `bf16_tables`.
enum class RopeTables : int { Exact = 0, Bf16Eager = 1, Bf16Compiled = 2 };

/// Fills Cos and Sin (Seq, RopeDims / 2) for positions 0..Seq-1. Exact:
/// the angles are computed in double and the tables rounded once to T; the
/// Bf16 modes emulate PyTorch's fp32/bf16 rounding sequence (file comment).
template <typename T>
void ropeTables(int64_t Seq, int64_t RopeDims, double Base, RopeTables Mode,
                T *Cos, T *Sin);

/// Y = rope(X) (see file comment). Y may alias X.
template <typename T>
void ropeForward(int64_t Batch, int64_t Seq, int64_t Heads, int64_t HeadDim,
                 int64_t RopeDims, const T *Cos, const T *Sin, const T *X,
                 T *Y);

/// dX = rope^T(dY): rotation by the opposite angle; tail dims copy dY.
/// DX may alias DY.
template <typename T>
void ropeBackward(int64_t Batch, int64_t Seq, int64_t Heads, int64_t HeadDim,
                  int64_t RopeDims, const T *Cos, const T *Sin, const T *DY,
                  T *DX);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_ROPE_H
