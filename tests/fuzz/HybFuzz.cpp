//===- tests/fuzz/HybFuzz.cpp - libFuzzer target for the frontend --------===//
//
// Input: optional leading lines `--set path=value` (overrides), then spec
// text. Properties checked beyond "no crash, no sanitizer report, no hang":
// a spec that loads must print to text that loads back to an identical Spec,
// and a failed load must report at least one error.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontend.h"
#include "frontend/SpecEqual.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace hybc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  std::vector<std::string> Overrides;
  while (Text.startswith("--set ") && Overrides.size() < 8) {
    auto Line = Text.drop_front(6).split('\n');
    Overrides.push_back(Line.first.str());
    Text = Line.second;
  }
  std::string Diag;
  llvm::raw_string_ostream OS(Diag);
  llvm::Expected<Spec> S = parseSpecString(Text, "fuzz.hyb", Overrides, OS);
  if (!S) {
    llvm::consumeError(S.takeError());
    // Oversized specs are refused by the Error alone (nothing to point at).
    if (Text.size() <= kMaxSpecBytes &&
        OS.str().find(": error: ") == std::string::npos) {
      fprintf(stderr, "load failed without an error diagnostic\n");
      abort();
    }
    return 0;
  }
  std::string Printed;
  llvm::raw_string_ostream PS(Printed);
  printResolvedSpec(*S, PS);
  std::string Diag2;
  llvm::raw_string_ostream OS2(Diag2);
  llvm::Expected<Spec> Back =
      parseSpecString(PS.str(), "resolved.hyb", {}, OS2);
  std::string Diff;
  if (!Back || !specsEqual(*S, *Back, &Diff)) {
    fprintf(stderr, "round trip failed (%s)\n%s\n--- printed ---\n%s\n",
            Diff.c_str(), OS2.str().c_str(), PS.str().c_str());
    abort();
  }
  return 0;
}
