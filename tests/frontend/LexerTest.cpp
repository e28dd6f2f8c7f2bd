//===- tests/frontend/LexerTest.cpp - Lexer tests ------------------------===//
//
// Numbers (separators, signs, exponents, overflow), strings and escapes,
// comments, ranges, junk bytes and token locations.
//
//===----------------------------------------------------------------------===//
#include "frontend/Lexer.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace llvm;

namespace {

struct Lexed {
  std::vector<Token> Toks;
  std::string Diag;
  unsigned Errors = 0;
};

Lexed lex(StringRef Text) {
  Lexed L;
  SourceMgr SM;
  raw_string_ostream OS(L.Diag);
  Diagnostics D(SM, OS);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(Text, "l.hyb"), SMLoc());
  L.Toks = Lexer(SM, ID, D).lexAll();
  for (Token &T : L.Toks)
    T.Text = StringRef(); // The buffer dies with SM.
  OS.flush();
  L.Errors = D.errorCount();
  return L;
}

std::vector<Tok> kinds(const Lexed &L) {
  std::vector<Tok> K;
  for (const Token &T : L.Toks)
    K.push_back(T.Kind);
  return K;
}

TEST(Lexer, IntegersWithSeparatorsAndSigns) {
  Lexed L = lex("524_288 -7 0 9223372036854775807 -9223372036854775808");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  ASSERT_EQ(L.Toks.size(), 6u);
  EXPECT_EQ(L.Toks[0].Kind, Tok::Int);
  EXPECT_EQ(L.Toks[0].IntVal, 524288);
  EXPECT_EQ(L.Toks[1].IntVal, -7);
  EXPECT_EQ(L.Toks[2].IntVal, 0);
  EXPECT_EQ(L.Toks[3].IntVal, INT64_MAX);
  EXPECT_EQ(L.Toks[4].IntVal, INT64_MIN);
}

TEST(Lexer, Floats) {
  Lexed L = lex("1e-8 10_000.0 -0.5 .25 1.5e3 2E+2 -1e-3");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  std::vector<double> Want = {1e-8, 10000.0, -0.5, 0.25, 1500.0, 200.0, -1e-3};
  ASSERT_EQ(L.Toks.size(), Want.size() + 1);
  for (size_t I = 0; I < Want.size(); ++I) {
    EXPECT_EQ(L.Toks[I].Kind, Tok::Float) << I;
    EXPECT_EQ(L.Toks[I].FloatVal, Want[I]) << I;
  }
}

TEST(Lexer, RangeIsNotAFloat) {
  Lexed L = lex("3..4 -1..2");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  std::vector<Tok> Want = {Tok::Int,    Tok::DotDot, Tok::Int, Tok::Int,
                           Tok::DotDot, Tok::Int,    Tok::Eof};
  EXPECT_EQ(kinds(L), Want);
  EXPECT_EQ(L.Toks[0].IntVal, 3);
  EXPECT_EQ(L.Toks[2].IntVal, 4);
  EXPECT_EQ(L.Toks[3].IntVal, -1);
}

TEST(Lexer, NumberErrors) {
  EXPECT_NE(lex("9223372036854775808").Diag.find("does not fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(lex("-9223372036854775809").Diag.find("does not fit"),
            std::string::npos);
  EXPECT_NE(lex("1e999").Diag.find("out of range"), std::string::npos);
  EXPECT_NE(lex("1__0").Diag.find("'_' may only separate digits"),
            std::string::npos);
  EXPECT_NE(lex("1_").Diag.find("invalid number '1_'"), std::string::npos);
  EXPECT_NE(lex("12abc").Diag.find("invalid number '12abc'"),
            std::string::npos);
  EXPECT_EQ(lex("99999999999999999999999999999").Errors, 1u);
}

TEST(Lexer, StringsAndEscapes) {
  Lexed L = lex(R"("a\n\t\\\"\x41" "plain *.bin")");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  EXPECT_EQ(L.Toks[0].Kind, Tok::String);
  EXPECT_EQ(L.Toks[0].StrVal, "a\n\t\\\"A");
  EXPECT_TRUE(L.Toks[0].HadEscapes);
  EXPECT_EQ(L.Toks[1].StrVal, "plain *.bin");
  EXPECT_FALSE(L.Toks[1].HadEscapes);
}

TEST(Lexer, StringErrors) {
  Lexed U = lex("x = \"abc\ny = 1");
  EXPECT_NE(U.Diag.find("l.hyb:1:5: error: unterminated string"),
            std::string::npos)
      << U.Diag;
  EXPECT_NE(lex("\"abc").Diag.find("unterminated string"), std::string::npos);
  EXPECT_NE(lex(R"("\q")").Diag.find("unknown escape '\\q'"),
            std::string::npos);
  EXPECT_NE(lex(R"("\x4")").Diag.find("invalid escape"), std::string::npos);
  EXPECT_NE(lex(std::string("\"a\x01") + "b\"").Diag.find("control byte 0x01"),
            std::string::npos);
  EXPECT_NE(lex("\"trailing\\").Diag.find("unterminated"), std::string::npos);
}

TEST(Lexer, Comments) {
  Lexed L = lex("a # comment = 3\nb /* x\ny */ c /* inline */ d");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  std::vector<Tok> Want = {Tok::Ident, Tok::Newline, Tok::Ident, Tok::Newline,
                           Tok::Ident, Tok::Ident,   Tok::Eof};
  EXPECT_EQ(kinds(L), Want);
  EXPECT_NE(lex("a /* never closed").Diag.find("unterminated comment"),
            std::string::npos);
}

TEST(Lexer, Punctuation) {
  Lexed L = lex("{}()[],=+...");
  ASSERT_EQ(L.Errors, 0u) << L.Diag;
  std::vector<Tok> Want = {Tok::LBrace, Tok::RBrace,   Tok::LParen,
                           Tok::RParen, Tok::LBracket, Tok::RBracket,
                           Tok::Comma,  Tok::Equals,   Tok::Plus,
                           Tok::DotDot, Tok::Dot,      Tok::Eof};
  EXPECT_EQ(kinds(L), Want);
}

TEST(Lexer, JunkIsReportedOnceAndSkipped) {
  Lexed L = lex(std::string("a \x01\x02\xff\xfe b", 8));
  EXPECT_EQ(L.Errors, 1u) << L.Diag;
  EXPECT_NE(L.Diag.find("unexpected byte 0x01"), std::string::npos);
  std::vector<Tok> Want = {Tok::Ident, Tok::Ident, Tok::Eof};
  EXPECT_EQ(kinds(L), Want);
  Lexed At = lex("a @ b");
  EXPECT_NE(At.Diag.find("l.hyb:1:3: error: unexpected character '@'"),
            std::string::npos)
      << At.Diag;
  EXPECT_NE(lex("a - b").Diag.find("negative numbers"), std::string::npos);
}

TEST(Lexer, NulBytesDoNotStopLexing) {
  Lexed L = lex(std::string("a\0b\0\0c", 6));
  EXPECT_EQ(L.Errors, 2u) << L.Diag;
  EXPECT_EQ(L.Toks.size(), 4u); // a b c Eof
}

TEST(Lexer, TokenLocationsPointIntoTheBuffer) {
  SourceMgr SM;
  std::string Diag;
  raw_string_ostream OS(Diag);
  Diagnostics D(SM, OS);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy("model {\n  vocab = 1_024\n}", "p.hyb"),
      SMLoc());
  std::vector<Token> T = Lexer(SM, ID, D).lexAll();
  ASSERT_GE(T.size(), 7u);
  EXPECT_EQ(T[3].Text, "vocab");
  auto LC = SM.getLineAndColumn(T[3].Loc);
  EXPECT_EQ(LC.first, 2u);
  EXPECT_EQ(LC.second, 3u);
  EXPECT_EQ(T[5].Text, "1_024");
  EXPECT_EQ(T[5].IntVal, 1024);
}

} // namespace
