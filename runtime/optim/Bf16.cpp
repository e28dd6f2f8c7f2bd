//===- runtime/optim/Bf16.cpp - bfloat16 rounding emulation ---------------===//
///
/// \file
/// Array helpers for bf16 rounding emulation.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Bf16.h"

namespace hybc {
namespace optim {

void roundToBf16InPlace(float *Data, int64_t N) {
#pragma omp parallel for schedule(static) if (N > 65536)
  for (int64_t I = 0; I < N; ++I)
    Data[I] = roundToBf16(Data[I]);
}

} // namespace optim
} // namespace hybc
