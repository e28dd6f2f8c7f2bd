//===- runtime/train/GpuLayout.h - Device layout of parameters --*- C++ -*-===//
///
/// \file
/// Where each parameter (and, at the same offsets, its gradient and its
/// per-element optimizer state) lives in the device-resident arrays of the
/// CUDA backend. The layout is chosen for the optimizer: Muon matrices of
/// one shape form one segment of equally strided slots (batched
/// Newton-Schulz GEMMs, one launch per element-wise phase), and each Adam
/// group is one contiguous segment (one Adam launch per group). Padding
/// between slots is zero in parameters and gradients and stays zero under
/// Adam and Muon.
///
/// Example (baseline GPT, 9 layers):
/// \code
///   GpuParamLayout L = layoutParams(Model);
///   // L.Segments[0]: MuonMatrix 512x512, Count 18 (c_q, proj of 9 blocks),
///   //                Stride 262144 floats
///   // ... AdamEmbed (tok_emb), AdamScalar (all scales, one span)
///   uint64_t Off = L.offset(*Model.Params[3]); // floats from the base
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_TRAIN_GPULAYOUT_H
#define HYBC_RUNTIME_TRAIN_GPULAYOUT_H

#include "ir/Model.h"

#include <cstdint>
#include <vector>

namespace hybc {

/// Slot alignment in floats (256 bytes: cuBLASLt and vector loads).
constexpr uint64_t kGpuSlotAlignFloats = 64;

struct GpuParamLayout {
  /// A run of slots one optimizer launch covers.
  struct Segment {
    ir::OptGroup Group = ir::OptGroup::AdamScalar;
    int64_t Rows = 0, Cols = 0;  ///< Muon: the shape of every member.
    uint64_t Offset = 0;         ///< Floats from the base.
    uint64_t Floats = 0;         ///< Span, padding included.
    uint64_t Stride = 0;         ///< Muon: floats between member starts.
    std::vector<unsigned> Params; ///< Param indices, in slot order.
  };
  std::vector<uint64_t> Offsets; ///< By Param::index(), floats.
  std::vector<Segment> Segments; ///< Muon shapes first, then Adam groups.
  uint64_t TotalFloats = 0;

  uint64_t offset(const ir::Param &P) const { return Offsets[P.index()]; }
};

/// Muon matrices grouped by (rows, cols) in order of first appearance,
/// then AdamEmbed, AdamHead and AdamScalar segments; every slot aligned to
/// kGpuSlotAlignFloats.
GpuParamLayout layoutParams(const ir::Model &M);

} // namespace hybc

#endif // HYBC_RUNTIME_TRAIN_GPULAYOUT_H
