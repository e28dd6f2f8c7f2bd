//===- tests/frontend/FrontendTestUtil.h - Frontend test helpers -*- C++
//-*-===//
///
/// \file
/// Loading spec text with captured diagnostics, a minimal valid spec to
/// splice fields into, and the example file list.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_FRONTEND_FRONTENDTESTUTIL_H
#define HYBC_TESTS_FRONTEND_FRONTENDTESTUTIL_H

#include "frontend/Frontend.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace hybc {
namespace test {

/// Result of loading spec text: the spec (when it loaded), all diagnostic
/// output and the summary error message (when it did not).
struct LoadResult {
  bool Ok = false;
  Spec S;
  std::string Diag;
  std::string Summary;
};

inline LoadResult load(llvm::StringRef Text,
                       std::vector<std::string> Overrides = {},
                       llvm::StringRef Name = "t.hyb") {
  LoadResult R;
  llvm::raw_string_ostream OS(R.Diag);
  llvm::Expected<Spec> S = parseSpecString(Text, Name, Overrides, OS);
  OS.flush();
  if (S) {
    R.Ok = true;
    R.S = std::move(*S);
  } else {
    R.Summary = llvm::toString(S.takeError());
  }
  return R;
}

/// A minimal valid model (one mamba3 and one attention block) with
/// \p ModelExtra appended inside `model { }` and \p Rest after it.
inline std::string spec(const std::string &ModelExtra = "",
                        const std::string &Rest = "") {
  return "model {\n"
         "  vocab = 1024\n"
         "  d_model = 512\n"
         "  block M = mamba3(d_state = 64) + mlp(mult = 3)\n"
         "  block A = attention(heads = 8, kv_heads = 4) + mlp()\n"
         "  layers = \"MAM\"\n" +
         ModelExtra + "\n}\n" + Rest;
}

inline std::vector<std::string> exampleFiles() {
  std::string Dir = HYBC_EXAMPLES_DIR;
  return {Dir + "/baseline_gpt.hyb", Dir + "/pr1644_mamba3_hybrid.hyb",
          Dir + "/nemotron_h_recur.hyb", Dir + "/tiny.hyb"};
}

/// Counts "error:" diagnostics in captured output.
inline unsigned countErrors(const std::string &Diag) {
  unsigned N = 0;
  for (size_t P = Diag.find(": error: "); P != std::string::npos;
       P = Diag.find(": error: ", P + 1))
    ++N;
  return N;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_FRONTEND_FRONTENDTESTUTIL_H
