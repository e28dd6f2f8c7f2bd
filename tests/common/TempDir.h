//===- tests/common/TempDir.h - Temporary directories for tests -*- C++ -*-===//
///
/// \file
/// Helpers shared by the test directories: a self-removing temporary
/// directory and an llvm::Error-to-text helper.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_COMMON_TEMPDIR_H
#define HYBC_TESTS_COMMON_TEMPDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <string>

namespace hybc {
namespace test {

/// A fresh temporary directory, removed recursively on destruction.
class TempDir {
public:
  explicit TempDir(llvm::StringRef Prefix = "hybc-test") {
    llvm::SmallString<256> P;
    std::error_code EC = llvm::sys::fs::createUniqueDirectory(Prefix, P);
    EXPECT_FALSE(EC) << EC.message();
    Dir = std::string(P.str());
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Dir); }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  /// Path of \p Name inside the directory.
  std::string path(const llvm::Twine &Name) const {
    llvm::SmallString<256> P(Dir);
    llvm::sys::path::append(P, Name);
    return std::string(P.str());
  }
  /// The directory itself.
  const std::string &dir() const { return Dir; }

private:
  std::string Dir;
};

/// Consumes \p E and returns its message ("" when it was success).
inline std::string errorText(llvm::Error E) {
  if (!E)
    return std::string();
  return llvm::toString(std::move(E));
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_COMMON_TEMPDIR_H
