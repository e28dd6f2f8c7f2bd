//===- tests/data_lib/AtomicFileTest.cpp - AtomicFile tests ---------------===//
//
/// \file
/// writeFileAtomic and AtomicFileWriter: contents, overwrite, discard and
/// error paths.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/AtomicFile.h"
#include "TestUtil.h"

#include <unistd.h>

using namespace hybc;
using namespace hybc::data;

namespace {

TEST(AtomicFile, WritesAndOverwrites) {
  test::TempDir T;
  std::string P = T.path("a.txt");
  HYBC_ASSERT_OK(writeFileAtomic(P, "first"));
  EXPECT_EQ(test::readFileText(P), "first");
  const char Bytes[] = {'x', '\0', 'y'};
  HYBC_ASSERT_OK(writeFileAtomic(P, llvm::ArrayRef<char>(Bytes, 3)));
  EXPECT_EQ(test::readFileText(P), std::string(Bytes, 3));
  HYBC_ASSERT_OK(writeFileAtomic(P, std::string("from std::string")));
  EXPECT_EQ(test::readFileText(P), "from std::string");
  EXPECT_FALSE(llvm::sys::fs::exists(P + ".tmp." + std::to_string(::getpid())));
}

TEST(AtomicFile, MissingDirectoryIsAnErrorWithHint) {
  test::TempDir T;
  std::string P = T.path("no/such/dir/a.txt");
  HYBC_EXPECT_ERROR(writeFileAtomic(P, llvm::StringRef("x")), "a.txt",
                    "hint:", "exists and is writable");
  EXPECT_FALSE(llvm::sys::fs::exists(P));
}

TEST(AtomicFile, StreamingCommitWritesAllChunks) {
  test::TempDir T;
  std::string P = T.path("big.bin");
  auto W = AtomicFileWriter::create(P);
  HYBC_ASSERT_EXPECTED(W);
  std::string Expected;
  std::string Chunk(300000, 'a');
  for (int I = 0; I < 8; ++I) {
    std::fill(Chunk.begin(), Chunk.end(), static_cast<char>('a' + I));
    Expected += Chunk;
    HYBC_ASSERT_OK(W->write(llvm::StringRef(Chunk)));
  }
  EXPECT_FALSE(llvm::sys::fs::exists(P)) << "target visible before commit";
  EXPECT_EQ(W->bytesWritten(), Expected.size());
  HYBC_ASSERT_OK(W->commit());
  EXPECT_EQ(test::readFileText(P), Expected);
  HYBC_EXPECT_ERROR(W->write(llvm::StringRef("late")), "already committed");
}

TEST(AtomicFile, DiscardKeepsOldTarget) {
  test::TempDir T;
  std::string P = T.path("keep.txt");
  HYBC_ASSERT_OK(writeFileAtomic(P, llvm::StringRef("old")));
  std::string Tmp;
  {
    auto W = AtomicFileWriter::create(P);
    HYBC_ASSERT_EXPECTED(W);
    Tmp = W->tmpPath().str();
    HYBC_ASSERT_OK(W->write(llvm::StringRef("new contents")));
    EXPECT_TRUE(llvm::sys::fs::exists(Tmp));
    // Destroyed without commit: behaves like discard().
  }
  EXPECT_FALSE(llvm::sys::fs::exists(Tmp));
  EXPECT_EQ(test::readFileText(P), "old");
}

TEST(AtomicFile, RenameOntoDirectoryFails) {
  test::TempDir T;
  std::string P = T.path("adir");
  ASSERT_FALSE(llvm::sys::fs::create_directory(P));
  ASSERT_FALSE(llvm::sys::fs::create_directory(P + "/child"));
  HYBC_EXPECT_ERROR(writeFileAtomic(P, llvm::StringRef("x")), "adir", "hint:");
}

} // namespace
