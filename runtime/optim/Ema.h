//===- runtime/optim/Ema.h - Weight EMA -------------------------*- C++ -*-===//
///
/// \file
/// EMA of the parameters as in train_mamba3_hybrid.py: an fp32 shadow
/// initialised to a copy of the parameters when training starts, updated
/// after every optimizer step with `ema.mul_(d).add_(p, alpha=1-d)`, i.e.
///   s = fp32(s * d);  s = fma(1 - d, p, s)      (d, 1-d as fp32)
/// For export/eval the shadow is swapped into the parameters (rounded to
/// bf16 for tensors stored in bf16, like `.to(dtype)` in the script) and the
/// live weights can be swapped back bit-exactly.
///
/// Example:
/// \code
///   Ema E(0.997);
///   E.addTensor("tok_emb.weight", Emb, /*Bf16=*/true);
///   E.update(LivePtrs);            // every step
///   E.swapIn(LivePtrs); eval(); E.swapOut(LivePtrs);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_EMA_H
#define HYBC_RUNTIME_OPTIM_EMA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace optim {

/// fp32 shadow weights with decay d.
class Ema {
public:
  /// \p Decay is EMA_DECAY (0.997 in the records).
  explicit Ema(double Decay = 0.997) : Decay(Decay) {}

  /// Registers a tensor; its shadow starts as a copy of \p Init. \p Bf16
  /// marks a parameter stored in bf16 (rounded on swap-in). Returns the index.
  unsigned addTensor(llvm::StringRef Name, llvm::ArrayRef<float> Init,
                     bool Bf16 = false);

  /// s = d*s + (1-d)*p for every tensor; Params[i] has the registered size.
  void update(llvm::ArrayRef<const float *> Params);

  /// Saves the live weights and writes the EMA weights into \p Params.
  void swapIn(llvm::ArrayRef<float *> Params);
  /// Restores the live weights saved by swapIn.
  void swapOut(llvm::ArrayRef<float *> Params);
  /// Writes the EMA weights into \p Params (final export, no backup).
  void copyTo(llvm::ArrayRef<float *> Params) const;

  bool isSwappedIn() const { return SwappedIn; }
  double decay() const { return Decay; }
  size_t size() const { return Tensors.size(); }
  llvm::ArrayRef<float> shadow(unsigned I) const { return Tensors[I].Shadow; }
  /// Writable shadow (a device-resident EMA copies its state back here).
  llvm::MutableArrayRef<float> shadowData(unsigned I) {
    return Tensors[I].Shadow;
  }
  llvm::StringRef name(unsigned I) const { return Tensors[I].Name; }

  /// Appends the decay and all shadows (bit-exact) to \p Out.
  void serialize(llvm::SmallVectorImpl<char> &Out) const;
  /// Restores shadows written by serialize into this EMA, whose registered
  /// tensors (names, sizes, order) must match. \p What names the source.
  llvm::Error restore(llvm::StringRef Bytes, llvm::StringRef What);

private:
  struct Tensor {
    std::string Name;
    bool Bf16 = false;
    llvm::SmallVector<float, 0> Shadow;
    llvm::SmallVector<float, 0> Backup;
  };
  double Decay;
  bool SwappedIn = false;
  std::vector<Tensor> Tensors;
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_EMA_H
