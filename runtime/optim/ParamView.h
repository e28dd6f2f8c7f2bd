//===- runtime/optim/ParamView.h - Optimizer params -------------*- C++ -*-===//
///
/// \file
/// The optimizers work on raw fp32 arrays. A ParamView names one parameter's
/// storage and logical shape; 1-D parameters use Rows = 1 or Cols = 1 as the
/// caller gives them. ParamGroup mirrors the PG scripts' optimizer groups
/// (and `ir::OptGroup` one to one), each with its own base learning rate.
///
/// Example:
/// \code
///   hybc::optim::ParamView W{Data, 512, 2240};
///   int64_t N = W.numel(); // 1,146,880
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_PARAMVIEW_H
#define HYBC_RUNTIME_OPTIM_PARAMVIEW_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace hybc {
namespace optim {

/// Optimizer group of a parameter.
enum class ParamGroup : uint8_t {
  MuonMatrix = 0, ///< 2-D block matrices: Muon (MATRIX_LR).
  AdamEmbed = 1,  ///< Token embedding: Adam (TIED_EMBED_LR / EMBED_LR).
  AdamHead = 2,   ///< Untied lm_head: Adam (HEAD_LR).
  AdamScalar = 3, ///< Vectors, gains, mixes, skip weights: Adam (SCALAR_LR).
};

/// Number of ParamGroup values.
constexpr unsigned kNumParamGroups = 4;

/// Stable lower-case name of \p G ("muon_matrix", "adam_embed", ...).
llvm::StringRef paramGroupName(ParamGroup G);

/// A parameter's fp32 storage (row-major) and shape.
struct ParamView {
  float *Data = nullptr;
  int64_t Rows = 0;
  int64_t Cols = 0;

  /// Number of elements.
  int64_t numel() const { return Rows * Cols; }
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_PARAMVIEW_H
