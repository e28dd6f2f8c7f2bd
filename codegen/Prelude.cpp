//===- codegen/Prelude.cpp - The embedded device prelude ------------------===//
///
/// \file
/// hybcPrelude() returns codegen/prelude/hybc_prelude.cuh, embedded at build
/// time by cmake/EmbedFiles.cmake. Example: `K.Source = hybcPrelude().str()`.
///
//===----------------------------------------------------------------------===//
#include "codegen/Emitters.h"

namespace hybc {
namespace embedded {
extern const char kEmbed_hybc_prelude[];
extern const unsigned long kEmbed_hybc_prelude_size;
} // namespace embedded
} // namespace hybc

llvm::StringRef hybc::hybcPrelude() {
  return llvm::StringRef(embedded::kEmbed_hybc_prelude,
                         embedded::kEmbed_hybc_prelude_size);
}
