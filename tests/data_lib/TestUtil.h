//===- tests/data_lib/TestUtil.h - Helpers for runtime_data_tests -*- C++ -*-===//
//
/// \file
/// Temporary directories, repository paths and error matchers shared by the
/// hybc_runtime_data unit tests.
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_TESTS_DATA_LIB_TESTUTIL_H
#define HYBC_TESTS_DATA_LIB_TESTUTIL_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include "tests/common/TempDir.h"

#include <string>

namespace hybc {
namespace test {


/// Path of \p Rel inside the repository checkout.
inline std::string repoPath(llvm::StringRef Rel) {
  return (llvm::Twine(HYBC_REPO_ROOT) + "/" + Rel).str();
}


/// Reads a whole file ("" when missing).
inline std::string readFileText(llvm::StringRef Path) {
  auto B = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                       /*RequiresNullTerminator=*/false);
  return B ? (*B)->getBuffer().str() : std::string();
}

/// Writes \p Bytes to \p Path non-atomically (test fixtures only).
inline void writeRaw(llvm::StringRef Path, llvm::StringRef Bytes) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  ASSERT_FALSE(EC) << EC.message();
  OS << Bytes;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_DATA_LIB_TESTUTIL_H
