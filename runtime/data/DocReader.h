//===- runtime/data/DocReader.h - Document text input ------------*- C++ -*-===//
//
/// \file
/// Reads documents for encoding / tokenizer training: `.jsonl` files hold one
/// JSON object per line with a string field "text" (the format of the
/// challenge's docs_selected.jsonl); any other file is plain text with one
/// document per line. Blank lines are skipped in both formats.
///
/// Example:
/// \code
///   llvm::Error E = hybc::data::forEachDoc("docs.jsonl",
///       [&](llvm::StringRef Text) -> llvm::Error { ...; return
///       llvm::Error::success(); });
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_DOCREADER_H
#define HYBC_RUNTIME_DATA_DOCREADER_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace hybc {
namespace data {

/// True when \p Path is read as JSON lines (extension `.jsonl`).
bool isJsonLines(llvm::StringRef Path);

/// Calls \p Fn with the text of every document of \p Path, in file order;
/// stops at the first error (from parsing, naming file and line, or from
/// \p Fn).
llvm::Error forEachDoc(llvm::StringRef Path,
                       llvm::function_ref<llvm::Error(llvm::StringRef)> Fn);

/// Counts the documents of \p Path (non-blank lines) without parsing them.
llvm::Expected<uint64_t> countDocs(llvm::StringRef Path);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_DOCREADER_H
