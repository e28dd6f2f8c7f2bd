//===- runtime/optim/Qat.cpp - Late QAT fake quantisation (STE) -----------===//
///
/// \file
/// Fake quantisation with PyTorch rounding emulation. Eager bf16 rounds the
/// input cast, the scale, the clamped scale, w/s and q*s; compiled bf16
/// (Inductor fuses the whole chain and elides the bf16 cast of the fp32
/// weight) computes everything in fp32 from the fp32 weight and rounds only
/// the output. Both are bit-exact against torch 2.11 on an H200.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Qat.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace optim {

namespace {
/// Quantises N values at In (stride 1) with the scale of their own absmax.
void quantizeGroup(const float *In, float *Out, int64_t N, int Qmax,
                   Precision P) {
  float AMax = 0.0f;
  for (int64_t I = 0; I < N; ++I)
    AMax = std::max(AMax, std::fabs(roundIfEager(In[I], P)));
  const float Q = static_cast<float>(Qmax);
  float Scale = roundIfEager(AMax / Q, P);
  Scale = roundIfEager(std::max(Scale, static_cast<float>(1.0 / Qmax)), P);
  for (int64_t I = 0; I < N; ++I) {
    float X = roundIfEager(roundIfEager(In[I], P) / Scale, P);
    float R = std::min(std::max(std::nearbyint(X), -Q), Q);
    Out[I] = roundIfBf16(R * Scale, P);
  }
}
} // namespace

void fakeQuantize(llvm::ArrayRef<float> W, int64_t Rows, int64_t Cols, int Bits,
                  bool PerRow, Precision P, llvm::MutableArrayRef<float> Out) {
  assert(Bits >= 2 && Bits <= 16 && "unsupported QAT bit width");
  assert(static_cast<int64_t>(W.size()) == Rows * Cols &&
         W.size() == Out.size() && "fakeQuantize shape mismatch");
  const int Qmax = qatQmax(Bits);
  if (!PerRow) {
    quantizeGroup(W.data(), Out.data(), Rows * Cols, Qmax, P);
    return;
  }
#pragma omp parallel for schedule(static) if (Rows * Cols > 65536)
  for (int64_t R = 0; R < Rows; ++R)
    quantizeGroup(W.data() + R * Cols, Out.data() + R * Cols, Cols, Qmax, P);
}

bool LateQat::update(double LrMult) {
  if (Active || Cfg.Threshold <= 0.0 || !(LrMult < Cfg.Threshold))
    return false;
  Active = true;
  return true;
}

} // namespace optim
} // namespace hybc
