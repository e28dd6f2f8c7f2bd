//===- tests/errors/ErrorFilesTest.cpp - One bad spec per diagnostic -----===//
//
// Loads every tests/errors/*.hyb and checks that the diagnostics contain
// `<file>:LINE:COL: error: <message>` for each `# expect-error:` line at the
// top of the file, and that loading fails.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontend.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace hybc;

namespace {

std::vector<std::string> errorFiles() {
  std::vector<std::string> Files;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(HYBC_ERRORS_DIR, EC), End;
       It != End && !EC; It.increment(EC))
    if (llvm::StringRef(It->path()).endswith(".hyb"))
      Files.push_back(It->path());
  std::sort(Files.begin(), Files.end());
  return Files;
}

/// The `LINE:COL: message` parts of the leading `# expect-error:` lines.
std::vector<std::string> expectations(llvm::StringRef Text) {
  std::vector<std::string> Out;
  while (Text.consume_front("# expect-error: ")) {
    auto Line = Text.split('\n');
    Out.push_back(Line.first.rtrim().str());
    Text = Line.second;
  }
  return Out;
}

class ErrorFile : public ::testing::TestWithParam<std::string> {};

TEST_P(ErrorFile, ReportsTheExpectedDiagnostic) {
  const std::string &Path = GetParam();
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  ASSERT_TRUE(static_cast<bool>(Buf)) << Path;
  std::vector<std::string> Want = expectations((*Buf)->getBuffer());
  ASSERT_FALSE(Want.empty()) << Path << " has no '# expect-error:' line";
  std::string Diag;
  llvm::raw_string_ostream OS(Diag);
  llvm::Expected<Spec> S = loadSpec(Path, {}, OS);
  ASSERT_FALSE(static_cast<bool>(S)) << Path << " loaded without errors";
  std::string Summary = llvm::toString(S.takeError());
  EXPECT_EQ(llvm::StringRef(Summary).rsplit(": ").second.str(),
            Want.size() == 1 ? "1 error"
                             : std::to_string(Want.size()) + " errors")
      << Diag;
  for (const std::string &W : Want) {
    auto Parts = llvm::StringRef(W).split(": ");
    std::string Line =
        Path + ":" + Parts.first.str() + ": error: " + Parts.second.str();
    EXPECT_NE(OS.str().find(Line), std::string::npos)
        << "want: " << Line << "\ngot:\n"
        << OS.str();
  }
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string Name = llvm::sys::path::stem(Info.param).str();
  for (char &C : Name)
    if (!isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return Name;
}

INSTANTIATE_TEST_SUITE_P(Files, ErrorFile, ::testing::ValuesIn(errorFiles()),
                         testName);

TEST(ErrorFiles, ThereAreEnough) { EXPECT_GE(errorFiles().size(), 15u); }

} // namespace
