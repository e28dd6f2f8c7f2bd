//===- runtime/optim/OptimizerState.cpp - Checkpointable state ------------===//
///
/// \file
/// OptimizerState registration and (de)serialisation.
///
//===----------------------------------------------------------------------===//

#include "runtime/optim/OptimizerState.h"

#include "runtime/optim/Serialize.h"

#include <cassert>
#include <cstring>

namespace hybc {
namespace optim {

namespace {
constexpr char kMagic[8] = {'H', 'Y', 'B', 'C', 'O', 'P', 'T', '1'};
constexpr uint32_t kVersion = 1;

llvm::Error layoutError(llvm::StringRef What, const llvm::Twine &Msg) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      (What + ": " + Msg +
       " (hint: the checkpoint was written for a different model config)")
          .str());
}

/// Reads one ParamState; failures are recorded in \p R.
ParamState readParam(ByteReader &R, size_t Index) {
  ParamState P;
  P.Name = R.str();
  uint8_t G = R.u8();
  if (G >= kNumParamGroups && R.ok())
    R.fail("param " + llvm::Twine(Index) + " has group " + llvm::Twine(G) +
           "; expected 0..3");
  P.Group = static_cast<ParamGroup>(G < kNumParamGroups ? G : 0);
  P.Rows = R.i64();
  P.Cols = R.i64();
  P.AdamStep = R.i64();
  if ((P.Rows < 0 || P.Cols < 0 || P.AdamStep < 0 ||
       (P.Cols > 0 && P.Rows > (int64_t(1) << 40) / P.Cols)) &&
      R.ok())
    R.fail("param '" + P.Name + "' has a bad shape or step count");
  if (!R.ok())
    return P;
  P.Buf0.resize(P.numel());
  R.floats(P.Buf0, P.Name + ".buf0");
  P.Buf1.resize(P.isMuon() ? 0 : P.numel());
  R.floats(P.Buf1, P.Name + ".buf1");
  return P;
}
} // namespace

unsigned OptimizerState::addParam(llvm::StringRef Name, ParamGroup G,
                                  int64_t Rows, int64_t Cols) {
  assert(Rows > 0 && Cols > 0 && "parameters must be non-empty");
  ParamState P;
  P.Name = Name.str();
  P.Group = G;
  P.Rows = Rows;
  P.Cols = Cols;
  P.Buf0.assign(P.numel(), 0.0f);
  if (!P.isMuon())
    P.Buf1.assign(P.numel(), 0.0f);
  Params.push_back(std::move(P));
  return static_cast<unsigned>(Params.size() - 1);
}

void OptimizerState::serialize(llvm::SmallVectorImpl<char> &Out) const {
  ByteWriter W(Out);
  Out.append(kMagic, kMagic + sizeof(kMagic));
  W.u32(kVersion);
  W.i64(StepsTaken);
  W.u64(Params.size());
  for (const ParamState &P : Params) {
    W.str(P.Name);
    W.u8(static_cast<uint8_t>(P.Group));
    W.i64(P.Rows);
    W.i64(P.Cols);
    W.i64(P.AdamStep);
    W.floats(P.Buf0);
    W.floats(P.Buf1);
  }
}

llvm::Expected<OptimizerState>
OptimizerState::deserialize(llvm::StringRef Bytes, llvm::StringRef What) {
  if (Bytes.size() < sizeof(kMagic) ||
      std::memcmp(Bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s: bad magic; expected 'HYBCOPT1' (hint: not an hybc optimizer "
        "state file)",
        What.str().c_str());
  ByteReader R(Bytes.drop_front(sizeof(kMagic)), What);
  if (uint32_t V = R.u32(); V != kVersion && R.ok())
    R.fail("version " + llvm::Twine(V) + "; expected 1");
  OptimizerState S;
  S.StepsTaken = R.i64();
  uint64_t N = R.u64();
  if (R.ok() && N > Bytes.size())
    R.fail("param count " + llvm::Twine(N) + " exceeds the blob size");
  for (uint64_t I = 0; I < N && R.ok(); ++I)
    S.Params.push_back(readParam(R, I));
  if (R.ok() && !R.atEnd())
    R.fail("trailing bytes after the last parameter");
  if (llvm::Error E = R.takeError())
    return E;
  return S;
}

llvm::Error OptimizerState::checkSameLayout(const OptimizerState &Other,
                                            llvm::StringRef What) const {
  if (Other.size() != size())
    return layoutError(What, "has " + llvm::Twine(Other.size()) +
                                 " params; expected " + llvm::Twine(size()));
  for (size_t I = 0; I < size(); ++I) {
    const ParamState &A = Params[I], &B = Other.Params[I];
    if (A.Name != B.Name)
      return layoutError(What, "param " + llvm::Twine(I) + " is '" + B.Name +
                                   "'; expected '" + A.Name + "'");
    if (A.Group != B.Group)
      return layoutError(What, "param '" + A.Name + "' is in group " +
                                   paramGroupName(B.Group) + "; expected " +
                                   paramGroupName(A.Group));
    if (A.Rows != B.Rows || A.Cols != B.Cols)
      return layoutError(What,
                         "param '" + A.Name + "' is " + llvm::Twine(B.Rows) +
                             "x" + llvm::Twine(B.Cols) + "; expected " +
                             llvm::Twine(A.Rows) + "x" + llvm::Twine(A.Cols));
  }
  return llvm::Error::success();
}

} // namespace optim
} // namespace hybc
