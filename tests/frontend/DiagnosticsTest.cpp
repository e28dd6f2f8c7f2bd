//===- tests/frontend/DiagnosticsTest.cpp - Diagnostics engine -----------===//
//
// "Did you mean" selection, the position format, excerpts of very long
// lines and file-level errors.
//
//===----------------------------------------------------------------------===//
#include "FrontendTestUtil.h"

#include "frontend/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace hybc::test;
using namespace llvm;

namespace {

TEST(Diagnostics, Suggest) {
  std::vector<StringRef> Names = {"vocab",      "d_model", "layers",
                                  "orthogonal", "mamba3",  "attention"};
  EXPECT_EQ(Diagnostics::suggest("vocabb", Names), "; did you mean 'vocab'?");
  EXPECT_EQ(Diagnostics::suggest("dmodel", Names), "; did you mean 'd_model'?");
  EXPECT_EQ(Diagnostics::suggest("mamba4", Names), "; did you mean 'mamba3'?");
  EXPECT_EQ(Diagnostics::suggest("Vocab", Names), "; did you mean 'vocab'?");
  EXPECT_EQ(Diagnostics::suggest("ortho", Names),
            "; did you mean 'orthogonal'?");
  EXPECT_EQ(Diagnostics::suggest("zzzzzz", Names), "");
  EXPECT_EQ(Diagnostics::suggest("vocab", Names), ""); // exact: no hint
  EXPECT_EQ(Diagnostics::quoteList({"a", "b"}), "'a', 'b'");
}

TEST(Diagnostics, PositionSourceLineAndCaret) {
  LoadResult R = load(spec("logit_softcap = -2"));
  ASSERT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("t.hyb:7:17: error: 'model.logit_softcap' = -2 is out "
                        "of range (hint: expected 0 <= logit_softcap)\n"
                        "logit_softcap = -2\n"
                        "                ^\n"),
            std::string::npos)
      << R.Diag;
}

TEST(Diagnostics, LongLinesAreExcerpted) {
  std::string Line = "model { x = " + std::string(5000, ' ') + "@" +
                     std::string(5000, ' ') + "}";
  LoadResult R = load(Line);
  ASSERT_FALSE(R.Ok);
  EXPECT_NE(R.Diag.find("t.hyb:1:5013: error: unexpected character '@'"),
            std::string::npos)
      << R.Diag.substr(0, 300);
  EXPECT_LT(R.Diag.size(), 2000u);
  size_t Caret = R.Diag.find('^');
  size_t At = R.Diag.find('@', R.Diag.find('\n'));
  ASSERT_NE(Caret, std::string::npos);
  // The caret sits under the '@' of the excerpt line.
  EXPECT_EQ(Caret - R.Diag.rfind('\n', Caret), At - R.Diag.rfind('\n', At));
}

TEST(Diagnostics, WarningsAndNotesDoNotCount) {
  SourceMgr SM;
  std::string Out;
  raw_string_ostream OS(Out);
  Diagnostics D(SM, OS);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy("abc\n", "w.hyb"), SMLoc());
  SMLoc L = SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart());
  D.warning(L, "careful");
  D.note(L, "see here");
  EXPECT_EQ(D.errorCount(), 0u);
  EXPECT_EQ(D.warningCount(), 1u);
  D.fileError("x.hyb", "cannot read");
  EXPECT_EQ(D.errorCount(), 1u);
  EXPECT_NE(OS.str().find("w.hyb:1:1: warning: careful"), std::string::npos);
  EXPECT_NE(OS.str().find("w.hyb:1:1: note: see here"), std::string::npos);
  EXPECT_NE(OS.str().find("x.hyb: error: cannot read"), std::string::npos);
}

} // namespace
