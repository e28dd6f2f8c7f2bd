//===- runtime/train/ParamStore.h - Parameter and gradient arenas -*- C++ -*-=//
///
/// \file
/// One contiguous fp32 arena for all parameters of a model and one of the
/// same layout for their gradients (planned offsets, in ParamTable order),
/// as the GPU runtime will have on the device. Initialisation follows each
/// Param's init rule with a seeded generator, so a seed fixes the model.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_PARAMSTORE_H
#define HYBC_RUNTIME_TRAIN_PARAMSTORE_H

#include "ir/Model.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace hybc {

class ParamStore {
public:
  explicit ParamStore(const ir::ParamTable &Table);

  /// Fills every parameter from its init rule; deterministic in Seed.
  void initialize(uint64_t Seed);

  float *data(const ir::Param &P) { return Values.data() + Offsets[P.index()]; }
  const float *data(const ir::Param &P) const {
    return Values.data() + Offsets[P.index()];
  }
  float *grad(const ir::Param &P) { return Grads.data() + Offsets[P.index()]; }
  const float *grad(const ir::Param &P) const {
    return Grads.data() + Offsets[P.index()];
  }
  void zeroGrads();

  const ir::ParamTable &table() const { return Table; }
  std::vector<float> &values() { return Values; }
  const std::vector<float> &values() const { return Values; }
  std::vector<float> &grads() { return Grads; }
  int64_t offset(const ir::Param &P) const { return Offsets[P.index()]; }

private:
  const ir::ParamTable &Table;
  std::vector<int64_t> Offsets;
  std::vector<float> Values, Grads;
};

/// Writes an orthogonal Rows x Cols matrix (QR of a Gaussian matrix with
/// sign correction, as torch.nn.init.orthogonal_) scaled by Gain.
void orthogonalInit(float *W, int64_t Rows, int64_t Cols, double Gain,
                    uint64_t Seed);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_PARAMSTORE_H
