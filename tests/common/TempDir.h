//===- tests/common/TempDir.h - Temporary directories for tests -*- C++ -*-===//
///
/// \file
/// Helpers shared by the test directories: a self-removing temporary
/// directory, an llvm::Error-to-text helper and llvm::Error assertions.
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

/// Asserts that \p Expr (an llvm::Error) fails with a message containing
/// every given substring.
#define HYBC_EXPECT_ERROR(Expr, ...)                                           \
  do {                                                                         \
    std::string Msg_ = ::hybc::test::errorText(Expr);                          \
    EXPECT_FALSE(Msg_.empty()) << "expected an error";                         \
    for (const char *Sub_ : {__VA_ARGS__})                                     \
      EXPECT_NE(Msg_.find(Sub_), std::string::npos)                            \
          << "message '" << Msg_ << "' lacks '" << Sub_ << "'";                \
  } while (0)

/// Asserts that the llvm::Expected \p V holds a value, printing the error.
#define HYBC_ASSERT_EXPECTED(V)                                                \
  ASSERT_TRUE(static_cast<bool>(V)) << ::llvm::toString((V).takeError())

/// Asserts that \p Expr (an llvm::Error) is success, printing the message.
#define HYBC_ASSERT_OK(Expr)                                                   \
  do {                                                                         \
    std::string Msg_ = ::hybc::test::errorText(Expr);                          \
    ASSERT_TRUE(Msg_.empty()) << Msg_;                                         \
  } while (0)

#endif // HYBC_TESTS_COMMON_TEMPDIR_H
