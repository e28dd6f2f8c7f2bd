//===- runtime/optim/Serialize.cpp - Byte streams for optimizer state -----===//
///
/// \file
/// ByteWriter / ByteReader implementation (explicit little-endian).
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Serialize.h"

#include "llvm/Support/Endian.h"

#include <cstring>

namespace hybc {
namespace optim {

namespace endian = llvm::support::endian;

void ByteWriter::u32(uint32_t V) {
  char B[4];
  endian::write32le(B, V);
  Out.append(B, B + 4);
}

void ByteWriter::u64(uint64_t V) {
  char B[8];
  endian::write64le(B, V);
  Out.append(B, B + 8);
}

void ByteWriter::f64(double V) {
  uint64_t Bits;
  std::memcpy(&Bits, &V, sizeof(Bits));
  u64(Bits);
}

void ByteWriter::str(llvm::StringRef S) {
  u32(static_cast<uint32_t>(S.size()));
  Out.append(S.begin(), S.end());
}

void ByteWriter::floats(llvm::ArrayRef<float> V) {
  u64(V.size());
  size_t Base = Out.size();
  Out.resize(Base + 4 * V.size());
  for (size_t I = 0; I < V.size(); ++I) {
    uint32_t Bits;
    std::memcpy(&Bits, &V[I], sizeof(Bits));
    endian::write32le(Out.data() + Base + 4 * I, Bits);
  }
}

void ByteReader::fail(const llvm::Twine &Msg) {
  if (Error.empty())
    Error = (What + ": " + Msg + " at byte " + llvm::Twine(Pos)).str();
}

bool ByteReader::need(size_t N, llvm::StringRef Field) {
  if (!ok())
    return false;
  if (Data.size() - Pos >= N)
    return true;
  fail("truncated " + Field + " (need " + llvm::Twine(N) + " bytes, have " +
       llvm::Twine(Data.size() - Pos) +
       "; hint: the file was cut short or is not an hybc optimizer state)");
  return false;
}

uint8_t ByteReader::u8() {
  if (!need(1, "u8"))
    return 0;
  return static_cast<uint8_t>(Data[Pos++]);
}

uint32_t ByteReader::u32() {
  if (!need(4, "u32"))
    return 0;
  uint32_t V = endian::read32le(Data.data() + Pos);
  Pos += 4;
  return V;
}

uint64_t ByteReader::u64() {
  if (!need(8, "u64"))
    return 0;
  uint64_t V = endian::read64le(Data.data() + Pos);
  Pos += 8;
  return V;
}

double ByteReader::f64() {
  uint64_t Bits = u64();
  double V;
  std::memcpy(&V, &Bits, sizeof(V));
  return V;
}

std::string ByteReader::str() {
  uint32_t N = u32();
  if (!need(N, "string"))
    return std::string();
  std::string S = Data.substr(Pos, N).str();
  Pos += N;
  return S;
}

void ByteReader::floats(llvm::MutableArrayRef<float> Dst,
                        llvm::StringRef Field) {
  uint64_t N = u64();
  if (!ok())
    return;
  if (N != Dst.size()) {
    fail("field '" + Field + "' has " + llvm::Twine(N) + " floats; expected " +
         llvm::Twine(Dst.size()) +
         " (hint: the model shape changed since the checkpoint)");
    return;
  }
  if (!need(4 * N, Field))
    return;
  for (size_t I = 0; I < N; ++I) {
    uint32_t Bits = endian::read32le(Data.data() + Pos + 4 * I);
    std::memcpy(&Dst[I], &Bits, sizeof(Bits));
  }
  Pos += 4 * N;
}

llvm::Error ByteReader::takeError() {
  if (ok())
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Error);
}

} // namespace optim
} // namespace hybc
