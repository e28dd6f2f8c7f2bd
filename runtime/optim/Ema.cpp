//===- runtime/optim/Ema.cpp - Exponential moving average of weights ------===//
///
/// \file
/// EMA update, swap-in/out and (de)serialisation.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/Ema.h"

#include "runtime/optim/Bf16.h"
#include "runtime/optim/Serialize.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hybc {
namespace optim {

namespace {
constexpr uint32_t kEmaMagic = 0x414D4548; // "HEMA" little-endian.
constexpr uint32_t kEmaVersion = 1;
} // namespace

unsigned Ema::addTensor(llvm::StringRef Name, llvm::ArrayRef<float> Init,
                        bool Bf16) {
  assert(!SwappedIn && "cannot register tensors while swapped in");
  Tensor T;
  T.Name = Name.str();
  T.Bf16 = Bf16;
  T.Shadow.assign(Init.begin(), Init.end());
  Tensors.push_back(std::move(T));
  return static_cast<unsigned>(Tensors.size() - 1);
}

void Ema::update(llvm::ArrayRef<const float *> Params) {
  assert(!SwappedIn && "EMA update while the EMA weights are swapped in");
  assert(Params.size() == Tensors.size() && "one pointer per EMA tensor");
  const float D = static_cast<float>(Decay);
  const float OneMinusD = static_cast<float>(1.0 - Decay);
  for (size_t T = 0; T < Tensors.size(); ++T) {
    float *S = Tensors[T].Shadow.data();
    const float *P = Params[T];
    const int64_t N = static_cast<int64_t>(Tensors[T].Shadow.size());
#pragma omp parallel for schedule(static) if (N > 65536)
    for (int64_t I = 0; I < N; ++I) {
      float V = S[I] * D;
      S[I] = std::fma(OneMinusD, P[I], V);
    }
  }
}

void Ema::copyTo(llvm::ArrayRef<float *> Params) const {
  assert(Params.size() == Tensors.size() && "one pointer per EMA tensor");
  for (size_t T = 0; T < Tensors.size(); ++T) {
    const Tensor &X = Tensors[T];
    for (size_t I = 0; I < X.Shadow.size(); ++I)
      Params[T][I] = X.Bf16 ? roundToBf16(X.Shadow[I]) : X.Shadow[I];
  }
}

void Ema::swapIn(llvm::ArrayRef<float *> Params) {
  assert(!SwappedIn && "EMA weights already swapped in");
  assert(Params.size() == Tensors.size() && "one pointer per EMA tensor");
  for (size_t T = 0; T < Tensors.size(); ++T)
    Tensors[T].Backup.assign(Params[T], Params[T] + Tensors[T].Shadow.size());
  copyTo(Params);
  SwappedIn = true;
}

void Ema::swapOut(llvm::ArrayRef<float *> Params) {
  assert(SwappedIn && "swapOut without swapIn");
  assert(Params.size() == Tensors.size() && "one pointer per EMA tensor");
  for (size_t T = 0; T < Tensors.size(); ++T) {
    std::copy(Tensors[T].Backup.begin(), Tensors[T].Backup.end(), Params[T]);
    llvm::SmallVector<float, 0>().swap(Tensors[T].Backup); // free memory
  }
  SwappedIn = false;
}

void Ema::serialize(llvm::SmallVectorImpl<char> &Out) const {
  ByteWriter W(Out);
  W.u32(kEmaMagic);
  W.u32(kEmaVersion);
  W.f64(Decay);
  W.u64(Tensors.size());
  for (const Tensor &T : Tensors) {
    W.str(T.Name);
    W.u8(T.Bf16 ? 1 : 0);
    W.floats(T.Shadow);
  }
}

llvm::Error Ema::restore(llvm::StringRef Bytes, llvm::StringRef What) {
  assert(!SwappedIn && "restore while the EMA weights are swapped in");
  ByteReader R(Bytes, What);
  if (R.u32() != kEmaMagic && R.ok())
    R.fail("bad EMA magic; expected 0x414D4548 (hint: not an EMA state)");
  if (uint32_t V = R.u32(); V != kEmaVersion && R.ok())
    R.fail("EMA state version " + llvm::Twine(V) + "; expected 1");
  double D = R.f64();
  if (uint64_t N = R.u64(); N != Tensors.size() && R.ok())
    R.fail("EMA state has " + llvm::Twine(N) + " tensors; expected " +
           llvm::Twine(Tensors.size()) + " (hint: register all tensors first)");
  // Read into copies so a failed restore leaves this EMA untouched.
  std::vector<Tensor> New(Tensors.size());
  for (size_t T = 0; T < Tensors.size() && R.ok(); ++T) {
    New[T].Name = R.str();
    if (New[T].Name != Tensors[T].Name && R.ok())
      R.fail("EMA tensor " + llvm::Twine(T) + " is '" + New[T].Name +
             "'; expected '" + Tensors[T].Name + "'");
    New[T].Bf16 = R.u8() != 0;
    New[T].Shadow.resize(Tensors[T].Shadow.size());
    R.floats(New[T].Shadow, Tensors[T].Name);
  }
  if (R.ok() && !R.atEnd())
    R.fail("trailing bytes after the EMA state");
  if (!R.ok())
    return R.takeError();
  Decay = D;
  Tensors = std::move(New);
  return llvm::Error::success();
}

} // namespace optim
} // namespace hybc
