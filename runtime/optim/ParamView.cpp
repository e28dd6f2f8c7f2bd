//===- runtime/optim/ParamView.cpp - Parameters seen by optimizers --------===//
///
/// \file
/// ParamGroup names.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/ParamView.h"

namespace hybc {
namespace optim {

llvm::StringRef paramGroupName(ParamGroup G) {
  switch (G) {
  case ParamGroup::MuonMatrix:
    return "muon_matrix";
  case ParamGroup::AdamEmbed:
    return "adam_embed";
  case ParamGroup::AdamHead:
    return "adam_head";
  case ParamGroup::AdamScalar:
    return "adam_scalar";
  }
  return "unknown";
}

} // namespace optim
} // namespace hybc
