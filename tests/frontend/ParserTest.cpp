//===- tests/frontend/ParserTest.cpp - Parser tests ----------------------===//
//
// AST shapes for every construct, statement separators, continuation lines,
// error recovery, the nesting limit and the override parser.
//
//===----------------------------------------------------------------------===//
#include "frontend/Parser.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace hybc;
using namespace llvm;

namespace {

/// Owns the SourceMgr so AST locations stay valid for the test.
struct Parsed {
  SourceMgr SM;
  std::string Diag;
  raw_string_ostream OS{Diag};
  Diagnostics D{SM, OS};
  ast::File F;
  unsigned errors() {
    OS.flush();
    return D.errorCount();
  }
};

std::unique_ptr<Parsed> parse(StringRef Text) {
  auto P = std::make_unique<Parsed>();
  unsigned ID = P->SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(Text, "p.hyb"), SMLoc());
  P->F = Parser(Lexer(P->SM, ID, P->D).lexAll(), P->D).parseFile();
  return P;
}

TEST(Parser, SectionsAndAssignments) {
  auto P = parse("model {\n  vocab = 1024, d_model = 512\n  name = \"x\"\n}\n"
                 "train { flag = true }");
  ASSERT_EQ(P->errors(), 0u) << P->Diag;
  ASSERT_EQ(P->F.Body.size(), 2u);
  const ast::Stmt &M = P->F.Body[0];
  EXPECT_EQ(M.Kind, ast::StmtKind::Section);
  EXPECT_EQ(M.Name, "model");
  ASSERT_EQ(M.Body.size(), 3u);
  EXPECT_EQ(M.Body[0].Name, "vocab");
  EXPECT_EQ(M.Body[0].Val.Kind, ast::ValueKind::Int);
  EXPECT_EQ(M.Body[0].Val.IntVal, 1024);
  EXPECT_EQ(M.Body[1].Name, "d_model");
  EXPECT_EQ(M.Body[2].Val.Kind, ast::ValueKind::String);
  EXPECT_EQ(M.Body[2].Val.Str, "x");
  EXPECT_EQ(P->F.Body[1].Body[0].Val.Kind, ast::ValueKind::Bool);
  EXPECT_TRUE(P->F.Body[1].Body[0].Val.BoolVal);
}

TEST(Parser, BlockDefinitionWithContinuationLine) {
  auto P = parse("model {\n block M = mamba3(d_state = 64,\n    expand = 2)\n"
                 "        + mlp(mult = 3, act = leaky_relu2(0.5))\n"
                 " block A = attention\n}");
  ASSERT_EQ(P->errors(), 0u) << P->Diag;
  const ast::Stmt &B = P->F.Body[0].Body[0];
  EXPECT_EQ(B.Kind, ast::StmtKind::Block);
  EXPECT_EQ(B.Name, "M");
  ASSERT_EQ(B.Terms.size(), 2u);
  EXPECT_EQ(B.Terms[0].Kind, ast::ValueKind::Call);
  EXPECT_EQ(B.Terms[0].Str, "mamba3");
  ASSERT_EQ(B.Terms[0].Args.size(), 2u);
  EXPECT_EQ(B.Terms[0].Args[1].Name, "expand");
  const ast::Value &Act = B.Terms[1].Args[1].Val;
  EXPECT_EQ(Act.Kind, ast::ValueKind::Call);
  ASSERT_EQ(Act.Args.size(), 1u);
  EXPECT_TRUE(Act.Args[0].Name.empty()); // positional
  EXPECT_EQ(Act.Args[0].Val.FloatVal, 0.5);
  const ast::Stmt &A = P->F.Body[0].Body[1];
  ASSERT_EQ(A.Terms.size(), 1u);
  EXPECT_EQ(A.Terms[0].Kind, ast::ValueKind::Ident);
}

TEST(Parser, ListsRangesAndNewlinesInBrackets) {
  auto P = parse("s {\n l = [\n 1,\n 2.5, \"s\",\n]\n r = 3..4\n e = []\n}");
  ASSERT_EQ(P->errors(), 0u) << P->Diag;
  const auto &Body = P->F.Body[0].Body;
  ASSERT_EQ(Body.size(), 3u);
  EXPECT_EQ(Body[0].Val.Kind, ast::ValueKind::List);
  EXPECT_EQ(Body[0].Val.Elems.size(), 3u);
  EXPECT_EQ(Body[1].Val.Kind, ast::ValueKind::Range);
  EXPECT_EQ(Body[1].Val.Elems[0].IntVal, 3);
  EXPECT_EQ(Body[1].Val.Elems[1].IntVal, 4);
  EXPECT_TRUE(Body[2].Val.Elems.empty());
}

TEST(Parser, NestedSections) {
  auto P = parse("a { b { c { d = 1 } }, e = 2 }");
  ASSERT_EQ(P->errors(), 0u) << P->Diag;
  const ast::Stmt &A = P->F.Body[0];
  ASSERT_EQ(A.Body.size(), 2u);
  EXPECT_EQ(A.Body[0].Body[0].Body[0].Val.IntVal, 1);
  EXPECT_EQ(A.Body[1].Val.IntVal, 2);
}

TEST(Parser, RecoversAndReportsEveryError) {
  auto P = parse("model {\n  a = = 3\n  b = 2\n  c = f(1 2)\n  d = 4 e\n"
                 "  block M = mamba3(x = ,\n  y = 2)\n    + mlp()\n  f = 5\n}");
  EXPECT_EQ(P->errors(), 4u) << P->Diag;
  EXPECT_NE(P->Diag.find("p.hyb:2:7: error: expected a value"),
            std::string::npos)
      << P->Diag;
  EXPECT_NE(P->Diag.find("p.hyb:4:11: error: expected ',' or ')' in the "
                         "arguments of 'f', got integer '2'"),
            std::string::npos)
      << P->Diag;
  EXPECT_NE(P->Diag.find("p.hyb:6:24: error: expected a value, got ','"),
            std::string::npos)
      << P->Diag;
  EXPECT_NE(P->Diag.find("p.hyb:5:9: error: expected a newline or ','"),
            std::string::npos)
      << P->Diag;
  std::vector<std::string> Names;
  for (const ast::Stmt &S : P->F.Body[0].Body)
    Names.push_back(S.Name);
  EXPECT_EQ(Names, (std::vector<std::string>{"b", "d", "f"}));
}

TEST(Parser, UnclosedCallRecoversAtSectionEnd) {
  auto P = parse(
      "model {\n block M = mamba3(d_state = 64\n x = 1\n}\ntrain { y = 2 }");
  EXPECT_EQ(P->errors(), 1u) << P->Diag;
  ASSERT_EQ(P->F.Body.size(), 2u);
  EXPECT_EQ(P->F.Body[1].Name, "train");
}

TEST(Parser, MissingCloseBraceKeepsTheSection) {
  auto P = parse("model {\n vocab = 3\n");
  EXPECT_EQ(P->errors(), 1u);
  EXPECT_NE(P->Diag.find("expected '}' to close section 'model'"),
            std::string::npos);
  EXPECT_NE(P->Diag.find("note: section 'model' opened here"),
            std::string::npos);
  ASSERT_EQ(P->F.Body.size(), 1u);
  EXPECT_EQ(P->F.Body[0].Body.size(), 1u);
}

TEST(Parser, UnmatchedCloseBrace) {
  auto P = parse("}\nmodel { }");
  EXPECT_EQ(P->errors(), 1u);
  EXPECT_NE(P->Diag.find("p.hyb:1:1: error: unmatched '}'"), std::string::npos);
  EXPECT_EQ(P->F.Body.size(), 1u);
}

TEST(Parser, MissingEqualsOrBrace) {
  auto P = parse("model { vocab 3 }");
  EXPECT_NE(P->Diag.find("expected '=' or '{' after 'vocab'"),
            std::string::npos)
      << P->Diag;
}

TEST(Parser, DeepNestingIsRejectedWithoutRecursionBlowup) {
  std::string Deep =
      "a = " + std::string(100000, '[') + std::string(100000, ']');
  auto P = parse("s {\n" + Deep + "\n b = 1\n}");
  EXPECT_EQ(P->errors(), 1u) << P->Diag.substr(0, 300);
  EXPECT_NE(P->Diag.find("nesting is deeper than 32 levels"),
            std::string::npos);
  ASSERT_EQ(P->F.Body.size(), 1u);
  EXPECT_EQ(P->F.Body[0].Body.back().Name, "b");
  std::string Secs;
  for (int I = 0; I < 5000; ++I)
    Secs += "s" + std::to_string(I) + " {";
  auto Q = parse(Secs);
  EXPECT_GE(Q->errors(), 1u);
}

TEST(Parser, NestingJustUnderTheLimitIsFine) {
  auto P =
      parse("s { a = " + std::string(31, '[') + std::string(31, ']') + " }");
  EXPECT_EQ(P->errors(), 0u) << P->Diag;
}

OverrideAst parseOverride(StringRef Text, std::string &Diag, bool &Ok) {
  SourceMgr SM;
  raw_string_ostream OS(Diag);
  Diagnostics D(SM, OS);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(Text, "--set #1"), SMLoc());
  OverrideAst O;
  Ok = Parser(Lexer(SM, ID, D).lexAll(), D).parseOverride(O);
  OS.flush();
  for (ast::Value &V : O.Terms)
    V.Loc = SMLoc();
  return O;
}

TEST(Parser, OverridePathAndValue) {
  std::string Diag;
  bool Ok = false;
  OverrideAst O = parseOverride("train.muon.lr=0.02", Diag, Ok);
  ASSERT_TRUE(Ok) << Diag;
  ASSERT_EQ(O.Path.size(), 3u);
  EXPECT_EQ(O.Path[2].first, "lr");
  ASSERT_EQ(O.Terms.size(), 1u);
  EXPECT_EQ(O.Terms[0].FloatVal, 0.02);
  O = parseOverride("model.M=mamba3(d_state=32)+mlp(mult=3)", Diag, Ok);
  ASSERT_TRUE(Ok) << Diag;
  EXPECT_EQ(O.Terms.size(), 2u);
}

TEST(Parser, OverrideErrors) {
  std::string Diag;
  bool Ok = true;
  parseOverride("=3", Diag, Ok);
  EXPECT_FALSE(Ok);
  EXPECT_NE(Diag.find("expected a dotted path"), std::string::npos) << Diag;
  Diag.clear();
  parseOverride("a.b 3", Diag, Ok);
  EXPECT_FALSE(Ok);
  EXPECT_NE(Diag.find("--set #1:1:5: error: expected '='"), std::string::npos)
      << Diag;
  Diag.clear();
  parseOverride("a.b=3 4", Diag, Ok);
  EXPECT_FALSE(Ok);
  EXPECT_NE(Diag.find("expected the end of the override value"),
            std::string::npos);
}

} // namespace
