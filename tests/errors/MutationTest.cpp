//===- tests/errors/MutationTest.cpp - Mutated examples never crash ------===//
//
// For each example: delete every single line, and overwrite every 7th byte
// with each of a few characters. Every variant must either load or fail with
// at least one `name:LINE:COL: error:` diagnostic, and every error line must
// carry a position. Runs in-process, so a crash or sanitizer report fails it.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontend.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

using namespace hybc;

namespace {

const char *const kExamples[] = {"baseline_gpt.hyb", "pr1644_mamba3_hybrid.hyb",
                                 "nemotron_h_recur.hyb", "tiny.hyb"};

/// Checks one variant; returns false (after a test failure) when the
/// diagnostics do not meet the contract.
bool checkVariant(const std::string &Text, const std::string &What) {
  std::string Diag;
  llvm::raw_string_ostream OS(Diag);
  llvm::Expected<Spec> S = parseSpecString(Text, "m.hyb", {}, OS);
  OS.flush();
  bool Ok = static_cast<bool>(S);
  if (!Ok)
    llvm::consumeError(S.takeError());
  static const std::regex Located(R"(^m\.hyb:\d+:\d+: (error|warning|note): )");
  unsigned Errors = 0;
  llvm::StringRef Rest(Diag);
  while (!Rest.empty()) {
    auto Split = Rest.split('\n');
    Rest = Split.second;
    llvm::StringRef Line = Split.first;
    if (!Line.startswith("m.hyb") || !Line.contains(": error: "))
      continue; // Source echo and caret lines.
    ++Errors;
    if (!std::regex_search(Line.str(), Located)) {
      ADD_FAILURE() << What << ": error without position: " << Line.str();
      return false;
    }
  }
  if (Ok != (Errors == 0)) {
    ADD_FAILURE() << What << ": loaded=" << Ok << " but " << Errors
                  << " located errors\n"
                  << Diag;
    return false;
  }
  return true;
}

std::string readExample(const char *Name) {
  auto Buf =
      llvm::MemoryBuffer::getFile(std::string(HYBC_EXAMPLES_DIR) + "/" + Name);
  EXPECT_TRUE(static_cast<bool>(Buf)) << Name;
  return Buf ? (*Buf)->getBuffer().str() : std::string();
}

TEST(Mutation, EverySingleLineDeletion) {
  for (const char *Name : kExamples) {
    std::string Text = readExample(Name);
    std::vector<size_t> Starts = {0};
    for (size_t I = 0; I < Text.size(); ++I)
      if (Text[I] == '\n')
        Starts.push_back(I + 1);
    for (size_t L = 0; L + 1 < Starts.size(); ++L) {
      std::string V = Text.substr(0, Starts[L]) + Text.substr(Starts[L + 1]);
      if (!checkVariant(V, std::string(Name) + " without line " +
                               std::to_string(L + 1)))
        return;
    }
  }
}

TEST(Mutation, CharacterFlips) {
  const char Flips[] = {'\0', '"',  '{', '}', '(', ')', '[', '#',   '=',
                        ',',  '\n', '+', '.', '-', 'x', '9', '\xff'};
  unsigned Variants = 0;
  for (const char *Name : kExamples) {
    std::string Text = readExample(Name);
    for (size_t I = 0; I < Text.size(); I += 7) {
      for (char F : Flips) {
        if (Text[I] == F)
          continue;
        std::string V = Text;
        V[I] = F;
        ++Variants;
        if (!checkVariant(V, std::string(Name) + " byte " + std::to_string(I) +
                                 " -> " + std::to_string(int(F))))
          return;
      }
    }
  }
  EXPECT_GT(Variants, 1000u);
}

TEST(Mutation, TruncationsAndJunk) {
  std::string Text = readExample("nemotron_h_recur.hyb");
  for (size_t N = 0; N < Text.size(); N += 13)
    if (!checkVariant(Text.substr(0, N), "prefix " + std::to_string(N)))
      return;
  std::string Junk;
  for (unsigned I = 0; I < 4096; ++I)
    Junk.push_back(static_cast<char>((I * 2654435761u) >> 13));
  checkVariant(Junk, "junk");
  checkVariant(std::string(5000, '('), "open parens");
  checkVariant(std::string(5000, '{'), "open braces");
  checkVariant("model {" + std::string(3000, '['), "open brackets");
  checkVariant(std::string(100000, '"'), "quotes");
}

} // namespace
