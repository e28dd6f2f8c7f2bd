//===- tests/common/GoldenLoader.h - golden case reader --*- C++ -*-===//
//
// Part of hybc.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Reads one golden case folder (tests/data/golden/<case>): manifest.json
/// maps tensor names to {file, dtype, shape}; each file is raw little-endian
/// row-major data. Every tensor is converted to double.
///
/// Example:
/// \code
///   auto Case = loadGoldenCase(HYBC_TEST_DATA_DIR "/golden/m3_core_odd");
///   if (!Case) ...;  const GoldenTensor *Q = Case->find("Q");
/// \endcode
///
//===----------------------------------------------------------------------===//

#ifndef HYBC_TESTS_COMMON_GOLDENLOADER_H
#define HYBC_TESTS_COMMON_GOLDENLOADER_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hybc {
namespace test {

/// One tensor of a golden case, converted to double.
struct GoldenTensor {
  llvm::SmallVector<int64_t, 4> Shape;
  std::vector<double> Data;
};

/// A loaded golden case: the manifest's `meta` object and all tensors.
struct GoldenCase {
  llvm::json::Object Meta;
  llvm::StringMap<GoldenTensor> Tensors;
  /// Tensor \p Name or nullptr.
  const GoldenTensor *find(llvm::StringRef Name) const {
    auto It = Tensors.find(Name);
    return It == Tensors.end() ? nullptr : &It->second;
  }
  /// Integer meta field \p Key, or -1.
  int64_t metaInt(llvm::StringRef Key) const {
    auto V = Meta.getInteger(Key);
    return V ? *V : -1;
  }
};

/// Size in bytes of one element of \p DType, 0 when unknown.
inline size_t goldenElemSize(llvm::StringRef DType) {
  if (DType == "float64")
    return 8;
  if (DType == "float32" || DType == "int32")
    return 4;
  return 0;
}

/// Converts raw little-endian bytes to doubles (host is little-endian).
inline void goldenConvert(llvm::StringRef DType, const char *Bytes, size_t N,
                          std::vector<double> &Out) {
  Out.resize(N);
  for (size_t I = 0; I < N; ++I) {
    if (DType == "float64") {
      std::memcpy(&Out[I], Bytes + 8 * I, 8);
    } else if (DType == "float32") {
      float F;
      std::memcpy(&F, Bytes + 4 * I, 4);
      Out[I] = F;
    } else {
      int32_t V;
      std::memcpy(&V, Bytes + 4 * I, 4);
      Out[I] = V;
    }
  }
}

/// Loads tensor \p Name described by \p Desc from folder \p Dir.
inline llvm::Expected<GoldenTensor>
loadGoldenTensor(llvm::StringRef Dir, llvm::StringRef Name,
                 const llvm::json::Object &Desc) {
  auto File = Desc.getString("file");
  auto DType = Desc.getString("dtype");
  const llvm::json::Array *Shape = Desc.getArray("shape");
  size_t Elem = DType ? goldenElemSize(*DType) : 0;
  if (!File || !Shape || !Elem)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "golden '%s': tensor '%s' lacks file/shape or has an unknown dtype "
        "(hint: expected float64, float32 or int32)",
        Dir.str().c_str(), Name.str().c_str());
  GoldenTensor Out;
  size_t Count = 1;
  for (const llvm::json::Value &D : *Shape) {
    Out.Shape.push_back(D.getAsInteger().getValueOr(0));
    Count *= Out.Shape.back();
  }
  std::string Path = (Dir + "/" + *File).str();
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return llvm::createStringError(Buf.getError(), "golden '%s': cannot read",
                                   Path.c_str());
  if ((*Buf)->getBufferSize() != Count * Elem)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "golden '%s': %zu bytes; expected %zu (hint: shape/dtype mismatch)",
        Path.c_str(), (*Buf)->getBufferSize(), Count * Elem);
  goldenConvert(*DType, (*Buf)->getBufferStart(), Count, Out.Data);
  return Out;
}

/// Loads the case folder \p Dir.
inline llvm::Expected<GoldenCase> loadGoldenCase(llvm::StringRef Dir) {
  std::string Path = (Dir + "/manifest.json").str();
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return llvm::createStringError(Buf.getError(), "golden '%s': cannot read",
                                   Path.c_str());
  auto Json = llvm::json::parse((*Buf)->getBuffer());
  if (!Json)
    return Json.takeError();
  const llvm::json::Object *Root = Json->getAsObject();
  const llvm::json::Object *Tensors =
      Root ? Root->getObject("tensors") : nullptr;
  if (!Tensors)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "golden '%s': no 'tensors' object",
                                   Path.c_str());
  GoldenCase Case;
  if (const llvm::json::Object *Meta = Root->getObject("meta"))
    Case.Meta = *Meta;
  for (const auto &KV : *Tensors) {
    const llvm::json::Object *Desc = KV.second.getAsObject();
    if (!Desc)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "golden '%s': tensor '%s' is not an object", Path.c_str(),
          KV.first.str().c_str());
    auto T = loadGoldenTensor(Dir, KV.first, *Desc);
    if (!T)
      return T.takeError();
    Case.Tensors[KV.first.str()] = std::move(*T);
  }
  return Case;
}

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_COMMON_GOLDENLOADER_H
