//===- runtime/optim/Serialize.h - Optimizer state bytes --------*- C++ -*-===//
///
/// \file
/// Little-endian byte writer and bounds-checked reader used to checkpoint
/// optimizer and EMA state. Floats are stored bit-exactly. The reader keeps
/// the first failure (reads after it return zeros) so callers check once.
///
/// Example:
/// \code
///   ByteWriter W(Out); W.u32(7); W.floats(Buf);
///   ByteReader R(Bytes, "optimizer state 'ckpt.bin'");
///   uint32_t V = R.u32(); R.floats(Dst);
///   if (llvm::Error E = R.takeError()) return E;
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_OPTIM_SERIALIZE_H
#define HYBC_RUNTIME_OPTIM_SERIALIZE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace hybc {
namespace optim {

/// Appends little-endian scalars, strings and float arrays to a buffer.
class ByteWriter {
public:
  explicit ByteWriter(llvm::SmallVectorImpl<char> &Out) : Out(Out) {}
  void u8(uint8_t V) { Out.push_back(static_cast<char>(V)); }
  void u32(uint32_t V);
  void u64(uint64_t V);
  void i64(int64_t V) { u64(static_cast<uint64_t>(V)); }
  void f64(double V);
  /// Length (u32) then the bytes.
  void str(llvm::StringRef S);
  /// Count (u64) then the IEEE bits of each float.
  void floats(llvm::ArrayRef<float> V);

private:
  llvm::SmallVectorImpl<char> &Out;
};

/// Reads what ByteWriter wrote, reporting truncation with offsets.
class ByteReader {
public:
  /// \p What names the source in messages ("optimizer state 'x.bin'").
  ByteReader(llvm::StringRef Data, llvm::StringRef What)
      : Data(Data), What(What.str()) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64();
  std::string str();
  /// Reads a float array whose stored count must equal Dst.size().
  void floats(llvm::MutableArrayRef<float> Dst, llvm::StringRef Field);
  /// Records a failure (the first one wins) at the current offset.
  void fail(const llvm::Twine &Msg);
  bool ok() const { return Error.empty(); }
  bool atEnd() const { return Pos == Data.size(); }
  size_t offset() const { return Pos; }
  /// The first failure as an llvm::Error, or success.
  llvm::Error takeError();

private:
  bool need(size_t N, llvm::StringRef Field);
  llvm::StringRef Data;
  std::string What;
  size_t Pos = 0;
  std::string Error;
};

} // namespace optim
} // namespace hybc

#endif // HYBC_RUNTIME_OPTIM_SERIALIZE_H
