//===- codegen/SourceWriter.h - Indenting text emitter ----------*- C++ -*-===//
///
/// \file
/// A tiny indenting writer for generated CUDA C++: lines, scopes and comment
/// blocks. All generated source goes through it, so output is deterministic
/// and uniformly formatted (never ad hoc string concatenation).
///
/// Example:
///   SourceWriter W;
///   W.open("extern \"C\" __global__ void k(float *y)");
///   W.line("y[threadIdx.x] = 0.f;");
///   W.close();
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_SOURCEWRITER_H
#define HYBC_CODEGEN_SOURCEWRITER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace hybc {

class SourceWriter {
public:
  /// One line at the current indentation.
  void line(const llvm::Twine &Text);
  /// An empty line.
  void blank() { Out += "\n"; }
  /// `Head {` and indent.
  void open(const llvm::Twine &Head);
  /// Dedent and `}` followed by Tail (e.g. ";").
  void close(llvm::StringRef Tail = "");
  /// `// ` comment lines, one per line of Text.
  void comment(llvm::StringRef Text);
  const std::string &str() const { return Out; }

private:
  std::string Out;
  unsigned Indent = 0;
};

} // namespace hybc

#endif // HYBC_CODEGEN_SOURCEWRITER_H
