//===- runtime/gpu/GpuError.h - Errors of the GPU runtime -------*- C++ -*-===//
//
/// \file
/// One helper that builds the `llvm::Error`s of this library, e.g.
/// `return gpuError("kernel '" + Name + "': block of " + Twine(N) +
/// " threads exceeds 1024 (hint: ...)");`.
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_GPUERROR_H
#define HYBC_RUNTIME_GPU_GPUERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace hybc {
namespace gpu {

/// Returns an inconvertible llvm::Error carrying \p Msg (lowercase, no final
/// period, names the kernel/file/variable, ends with a `(hint: ...)`).
inline llvm::Error gpuError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

/// Prefixes a failure \p E with \p Context (`<context>: <message>`);
/// success stays success.
inline llvm::Error withContext(const llvm::Twine &Context, llvm::Error E) {
  if (!E)
    return llvm::Error::success();
  return gpuError(Context + ": " + llvm::toString(std::move(E)));
}

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_GPUERROR_H
