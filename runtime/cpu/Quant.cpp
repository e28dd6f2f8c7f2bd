//===- runtime/cpu/Quant.cpp - Fake quantisation for late QAT -------------===//
//
// See Quant.h.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Quant.h"

#include <algorithm>
#include <cmath>

using namespace hybc;

template <typename T>
void cpu::fakeQuantRows(int64_t Rows, int64_t Cols, int Bits, const T *W,
                        T *Out) {
  const T QMax = static_cast<T>((1 << (Bits - 1)) - 1);
#pragma omp parallel for
  for (int64_t R = 0; R < Rows; ++R) {
    const T *Row = W + R * Cols;
    T AbsMax = 0;
    for (int64_t C = 0; C < Cols; ++C)
      AbsMax = std::max(AbsMax, std::abs(Row[C]));
    T Scale = std::max(AbsMax / QMax, T(1) / QMax);
    for (int64_t C = 0; C < Cols; ++C) {
      T Q = std::nearbyint(Row[C] / Scale);
      Out[R * Cols + C] = std::min(std::max(Q, -QMax), QMax) * Scale;
    }
  }
}

template void cpu::fakeQuantRows<float>(int64_t, int64_t, int, const float *,
                                        float *);
template void cpu::fakeQuantRows<double>(int64_t, int64_t, int,
                                         const double *, double *);
