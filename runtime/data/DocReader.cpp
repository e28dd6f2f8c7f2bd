//===- runtime/data/DocReader.cpp - Document text input -------------------===//
//
/// \file
/// Line splitting over a memory-mapped input and per-line JSON parsing with
/// llvm::json.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/DocReader.h"
#include "runtime/data/DataError.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hybc {
namespace data {

namespace {

Expected<std::unique_ptr<MemoryBuffer>> openInput(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFile(Path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!Buf)
    return dataError("input '" + Path + "': cannot read: " +
                     Buf.getError().message() +
                     " (hint: pass a .jsonl with a \"text\" field per line or "
                     "a .txt with one document per line)");
  return std::move(*Buf);
}

/// Calls Fn(Line, LineNo) for each non-blank line (without "\n" / "\r\n").
Error forEachLine(StringRef Data,
                  function_ref<Error(StringRef, uint64_t)> Fn) {
  uint64_t LineNo = 0;
  while (!Data.empty()) {
    auto [Line, Rest] = Data.split('\n');
    Data = Rest;
    ++LineNo;
    Line.consume_back("\r");
    if (Line.empty())
      continue;
    if (Error E = Fn(Line, LineNo))
      return E;
  }
  return Error::success();
}

Error jsonLineText(StringRef Path, StringRef Line, uint64_t LineNo,
                   std::string &Text) {
  Expected<json::Value> V = json::parse(Line);
  if (!V)
    return dataError("input '" + Path + "' line " + Twine(LineNo) +
                     ": invalid JSON: " + toString(V.takeError()) +
                     " (hint: .jsonl needs one JSON object per line)");
  const json::Object *O = V->getAsObject();
  Optional<StringRef> T = O ? O->getString("text") : None;
  if (!T)
    return dataError("input '" + Path + "' line " + Twine(LineNo) +
                     ": no string field \"text\" (hint: each line must look "
                     "like {\"text\": \"...\"})");
  Text = T->str();
  return Error::success();
}

} // namespace

bool isJsonLines(StringRef Path) {
  return sys::path::extension(Path).equals_insensitive(".jsonl");
}

Error forEachDoc(StringRef Path, function_ref<Error(StringRef)> Fn) {
  Expected<std::unique_ptr<MemoryBuffer>> Buf = openInput(Path);
  if (!Buf)
    return Buf.takeError();
  bool Json = isJsonLines(Path);
  std::string Text;
  return forEachLine((*Buf)->getBuffer(),
                     [&](StringRef Line, uint64_t LineNo) -> Error {
                       if (!Json)
                         return Fn(Line);
                       if (Error E = jsonLineText(Path, Line, LineNo, Text))
                         return E;
                       return Fn(Text);
                     });
}

Expected<uint64_t> countDocs(StringRef Path) {
  Expected<std::unique_ptr<MemoryBuffer>> Buf = openInput(Path);
  if (!Buf)
    return Buf.takeError();
  uint64_t N = 0;
  Error E = forEachLine((*Buf)->getBuffer(), [&](StringRef, uint64_t) {
    ++N;
    return Error::success();
  });
  if (E)
    return E;
  return N;
}

} // namespace data
} // namespace hybc
