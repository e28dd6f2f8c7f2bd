//===- runtime/cpu/InterpLoss.cpp - lm_loss forward and backward ----------===//
//
// The PG scripts compute `F.cross_entropy(softcapped_logits.float(), y)`:
// the softcap runs in the model dtype and the cross-entropy in fp32. With
// the `ce_fp32` attribute (set by buildForward) the fp64 interpreter does
// the same: softcap in double, round to float, cross-entropy in float, and
// the softcap derivative back in double. This is what makes the fp64 oracle
// match the float64 reference GPT to 1e-8.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/InterpShared.h"
#include "runtime/cpu/Loss.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

using namespace hybc;
using namespace hybc::cpu;
using namespace hybc::ir;

namespace {

bool emulateFp32(const Op &O, bool IsDouble) {
  return IsDouble && O.getInt("ce_fp32", 0) != 0;
}

template <typename T>
std::vector<float> softcapToFloat(const T *L, int64_t N, double Cap) {
  std::vector<float> Z(N);
  for (int64_t K = 0; K < N; ++K)
    Z[K] = static_cast<float>(Cap > 0 ? Cap * std::tanh(L[K] / Cap) : L[K]);
  return Z;
}

} // namespace

template <typename T> void cpu::lmLossForward(Interpreter<T> &I, const Op &O) {
  const TensorType &L = O.operand(0)->type();
  int64_t Rows = L.outer(), V = L.inner();
  double Cap = O.getFloat("softcap");
  T *Out = I.alloc(O.result());
  const T *Logits = I.in(O.operand(0));
  const int32_t *Y = I.ids(O.operand(1));
  std::vector<T> Nll(Rows);
  double Mean;
  if (emulateFp32(O, std::is_same<T, double>::value)) {
    std::vector<float> Z = softcapToFloat(Logits, Rows * V, Cap);
    std::vector<float> NllF(Rows);
    Mean = softcapCrossEntropyForward<float>(Rows, V, Z.data(), Y, 0.f,
                                             NllF.data());
    std::copy(NllF.begin(), NllF.end(), Nll.begin());
  } else {
    Mean = softcapCrossEntropyForward<T>(Rows, V, Logits, Y,
                                         static_cast<T>(Cap), Nll.data());
  }
  I.setLoss(Mean);
  if (O.getInt("per_token"))
    std::copy(Nll.begin(), Nll.end(), Out);
  else
    Out[0] = static_cast<T>(Mean);
}

template <typename T>
void cpu::lmLossBackward(Interpreter<T> &I, const Op &O) {
  const TensorType &L = O.operand(0)->type();
  int64_t Rows = L.outer(), V = L.inner(), N = L.numel();
  double Cap = O.getFloat("softcap"), Scale = O.getFloat("scale");
  const T *Logits = I.in(O.operand(0));
  const int32_t *Y = I.ids(O.operand(1));
  T *DL = I.alloc(O.result());
  if (!emulateFp32(O, std::is_same<T, double>::value)) {
    softcapCrossEntropyBackward<T>(Rows, V, Logits, Y, static_cast<T>(Cap),
                                   Scale, DL);
    return;
  }
  std::vector<float> Z = softcapToFloat(Logits, N, Cap);
  // PyTorch's fp32 path: log_softmax forward, then nll_loss_backward
  // (g_t = -1/N) and log_softmax_backward (g - exp(logp) * sum(g)), all in
  // float, recomputing softmax from the stored fp32 log-probabilities.
  const float GT = -1.0f / static_cast<float>(Rows);
  for (int64_t R = 0; R < Rows; ++R) {
    const float *ZR = Z.data() + R * V;
    float Max = ZR[0];
    for (int64_t J = 1; J < V; ++J)
      Max = std::max(Max, ZR[J]);
    double Sum = 0;
    for (int64_t J = 0; J < V; ++J)
      Sum += std::exp(static_cast<double>(ZR[J] - Max));
    const float LogSum = std::log(static_cast<float>(Sum));
    for (int64_t J = 0; J < V; ++J) {
      float LogP = (ZR[J] - Max) - LogSum;
      float G = (J == Y[R] ? GT : 0.f) - std::exp(LogP) * GT;
      double Th = Cap > 0 ? std::tanh(Logits[R * V + J] / Cap) : 0.0;
      DL[R * V + J] = static_cast<T>(Scale * static_cast<double>(G) *
                                     (Cap > 0 ? 1.0 - Th * Th : 1.0));
    }
  }
}

namespace hybc {
namespace cpu {
template void lmLossForward<float>(Interpreter<float> &, const Op &);
template void lmLossForward<double>(Interpreter<double> &, const Op &);
template void lmLossBackward<float>(Interpreter<float> &, const Op &);
template void lmLossBackward<double>(Interpreter<double> &, const Op &);
} // namespace cpu
} // namespace hybc
