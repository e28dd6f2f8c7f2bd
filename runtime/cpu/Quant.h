//===- runtime/cpu/Quant.h - Fake quantisation for late QAT -----*- C++ -*-===//
///
/// \file
/// Per-row symmetric fake quantisation as in the PG scripts' late QAT:
/// qmax = 2^(bits-1) - 1, scale_r = max(max|W_r| / qmax, 1/qmax),
/// W'_r = clamp(round_half_even(W_r / scale_r), -qmax, qmax) * scale_r.
/// The gradient is straight-through (identity), so there is no backward.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_QUANT_H
#define HYBC_RUNTIME_CPU_QUANT_H

#include <cstdint>

namespace hybc {
namespace cpu {

template <typename T>
void fakeQuantRows(int64_t Rows, int64_t Cols, int Bits, const T *W, T *Out);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_QUANT_H
