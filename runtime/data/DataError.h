//===- runtime/data/DataError.h - Error helper for hybc_runtime_data -*- C++ -*-===//
//
/// \file
/// One helper that builds the one-line `llvm::Error`s of this library, e.g.
/// `return dataError("shard '" + Path + "': bad magic 7; expected 20240520 "
/// "(hint: not a token shard)");`.
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_DATAERROR_H
#define HYBC_RUNTIME_DATA_DATAERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace hybc {
namespace data {

/// Returns an inconvertible llvm::Error carrying \p Msg (lowercase, no final
/// period, names the file/field, ends with a `(hint: ...)`).
inline llvm::Error dataError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_DATAERROR_H
