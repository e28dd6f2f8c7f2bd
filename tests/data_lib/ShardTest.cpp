//===- tests/data_lib/ShardTest.cpp - Shard reader/writer tests -----------===//
//
/// \file
/// Round trip, every corruption path (each error names the file) and glob
/// expansion order.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Shard.h"
#include "TestUtil.h"

#include "llvm/Support/Endian.h"

using namespace hybc;
using namespace hybc::data;

namespace {

std::vector<uint16_t> sampleTokens(size_t N) {
  std::vector<uint16_t> T(N);
  for (size_t I = 0; I < N; ++I)
    T[I] = static_cast<uint16_t>((I * 7919 + 1) % 65536);
  return T;
}

/// Writes a valid shard then lets the caller patch its raw bytes.
std::string corruptShard(const test::TempDir &T, llvm::StringRef Name,
                         void (*Patch)(std::string &)) {
  std::string P = T.path(Name);
  EXPECT_FALSE(writeShard(P, sampleTokens(10)));
  std::string Bytes = test::readFileText(P);
  Patch(Bytes);
  test::writeRaw(P, Bytes);
  return P;
}

TEST(Shard, RoundTrip) {
  test::TempDir T;
  std::string P = T.path("fineweb_train_000000.bin");
  std::vector<uint16_t> Tokens = sampleTokens(70000);
  Tokens[3] = 65535;
  HYBC_ASSERT_OK(writeShard(P, Tokens));
  std::string Raw = test::readFileText(P);
  ASSERT_EQ(Raw.size(), 1024 + 2 * Tokens.size());
  EXPECT_EQ(llvm::support::endian::read32le(Raw.data()), 20240520u);
  EXPECT_EQ(llvm::support::endian::read32le(Raw.data() + 4), 1u);
  EXPECT_EQ(llvm::support::endian::read32le(Raw.data() + 8), 70000u);
  EXPECT_EQ(llvm::support::endian::read32le(Raw.data() + 12), 0u);
  EXPECT_EQ(llvm::support::endian::read16le(Raw.data() + 1024 + 6), 65535u);
  auto Back = readShard(P);
  HYBC_ASSERT_EXPECTED(Back);
  EXPECT_EQ(*Back, Tokens);
  auto Count = readShardTokenCount(P);
  HYBC_ASSERT_EXPECTED(Count);
  EXPECT_EQ(*Count, 70000u);
}

TEST(Shard, EmptyShardRoundTrip) {
  test::TempDir T;
  std::string P = T.path("e.bin");
  HYBC_ASSERT_OK(writeShard(P, {}));
  auto Back = readShard(P);
  HYBC_ASSERT_EXPECTED(Back);
  EXPECT_TRUE(Back->empty());
}

TEST(Shard, TruncatedBody) {
  test::TempDir T;
  std::string P = corruptShard(T, "cut.bin", [](std::string &B) {
    B.resize(B.size() - 3);
  });
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "cut.bin", "truncated",
                    "hint:");
}

TEST(Shard, TruncatedHeader) {
  test::TempDir T;
  std::string P = corruptShard(T, "hdr.bin", [](std::string &B) {
    B.resize(100);
  });
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "hdr.bin", "truncated header");
}

TEST(Shard, WrongMagic) {
  test::TempDir T;
  std::string P = corruptShard(T, "magic.bin", [](std::string &B) {
    llvm::support::endian::write32le(&B[0], 123);
  });
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "magic.bin", "bad magic 123",
                    "20240520");
}

TEST(Shard, WrongVersion) {
  test::TempDir T;
  std::string P = corruptShard(T, "version.bin", [](std::string &B) {
    llvm::support::endian::write32le(&B[4], 2);
  });
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "version.bin",
                    "unsupported version 2");
}

TEST(Shard, SizeMismatchTrailingBytes) {
  test::TempDir T;
  std::string P = corruptShard(T, "long.bin", [](std::string &B) {
    B += "xy";
  });
  HYBC_EXPECT_ERROR(readShardTokenCount(P).takeError(), "long.bin",
                    "size mismatch", "1044");
}

TEST(Shard, CountLargerThanFile) {
  test::TempDir T;
  std::string P = corruptShard(T, "count.bin", [](std::string &B) {
    llvm::support::endian::write32le(&B[8], 11);
  });
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "count.bin", "truncated");
}

TEST(Shard, MissingFile) {
  test::TempDir T;
  std::string P = T.path("missing_000000.bin");
  HYBC_EXPECT_ERROR(readShard(P).takeError(), "missing_000000.bin",
                    "cannot open", "hint:");
}

TEST(Shard, GlobSortedAndNoMatch) {
  test::TempDir T;
  for (const char *N : {"s_000002.bin", "s_000000.bin", "s_000010.bin",
                        "s_000001.bin", "other.txt"})
    HYBC_ASSERT_OK(writeShard(T.path(N), sampleTokens(1)));
  auto Files = expandGlob(T.path("s_*.bin"));
  HYBC_ASSERT_EXPECTED(Files);
  ASSERT_EQ(Files->size(), 4u);
  EXPECT_EQ((*Files)[0], T.path("s_000000.bin"));
  EXPECT_EQ((*Files)[1], T.path("s_000001.bin"));
  EXPECT_EQ((*Files)[2], T.path("s_000002.bin"));
  EXPECT_EQ((*Files)[3], T.path("s_000010.bin"));
  std::string Pattern = T.path("fineweb_train_*.bin");
  HYBC_EXPECT_ERROR(expandGlob(Pattern).takeError(), Pattern.c_str(),
                    "no files match");
}

TEST(Shard, TokenRangeCheck) {
  std::vector<uint16_t> T = {1, 5, 1023, 1024};
  HYBC_ASSERT_OK(checkTokenRange(llvm::ArrayRef<uint16_t>(T).drop_back(), 1024,
                                 "s.bin"));
  HYBC_EXPECT_ERROR(checkTokenRange(T, 1024, "s.bin"), "s.bin",
                    "token 1024 at index 3");
}

} // namespace
