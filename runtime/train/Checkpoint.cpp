//===- runtime/train/Checkpoint.cpp - Save and resume training ------------===//
//
// See Checkpoint.h for the format.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Checkpoint.h"
#include "runtime/data/AtomicFile.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace hybc;

static const char Magic[8] = {'H', 'Y', 'B', 'C', 'C', 'K', 'P', 'T'};
static const uint32_t Version = 1;

namespace {

template <typename T> void put(llvm::SmallVectorImpl<char> &Out, T V) {
  const char *P = reinterpret_cast<const char *>(&V);
  Out.append(P, P + sizeof(T));
}

void putBlob(llvm::SmallVectorImpl<char> &Out, llvm::ArrayRef<char> B) {
  put<uint64_t>(Out, B.size());
  Out.append(B.begin(), B.end());
}

class Reader {
public:
  Reader(llvm::StringRef Data, std::string Path) : Data(Data), Path(Path) {}
  template <typename T> llvm::Error get(T &V) {
    if (Pos + sizeof(T) > Data.size())
      return truncated();
    std::memcpy(&V, Data.data() + Pos, sizeof(T));
    Pos += sizeof(T);
    return llvm::Error::success();
  }
  llvm::Error bytes(uint64_t N, llvm::StringRef &Out) {
    if (N > Data.size() - Pos)
      return truncated();
    Out = Data.substr(Pos, N);
    Pos += N;
    return llvm::Error::success();
  }
  llvm::Error truncated() {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("checkpoint '{0}' is truncated (hint: it was not "
                      "written by a finished save; restart without --resume)",
                      Path)
            .str());
  }

private:
  llvm::StringRef Data;
  std::string Path;
  size_t Pos = 0;
};

std::string checkpointPath(llvm::StringRef Dir) {
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, "checkpoint.bin");
  return P.str().str();
}

} // namespace

llvm::Error hybc::saveCheckpoint(llvm::StringRef Dir,
                                 const CheckpointData &C) {
  llvm::json::Object H;
  H["step"] = C.Step;
  H["train_ms"] = C.TrainMs;
  H["qat_active"] = C.QatActive;
  H["loader"] = data::toJSON(C.Loader);
  H["num_params"] = static_cast<int64_t>(C.Params.size());
  std::string Header =
      llvm::formatv("{0}", llvm::json::Value(std::move(H))).str();
  llvm::SmallVector<char, 0> Out;
  Out.append(Magic, Magic + 8);
  put<uint32_t>(Out, Version);
  put<uint64_t>(Out, C.SpecHash);
  putBlob(Out, llvm::ArrayRef<char>(Header.data(), Header.size()));
  const char *P = reinterpret_cast<const char *>(C.Params.data());
  putBlob(Out, llvm::ArrayRef<char>(P, C.Params.size() * sizeof(float)));
  putBlob(Out, C.Optimizer);
  putBlob(Out, C.Ema);
  return data::writeFileAtomic(checkpointPath(Dir), Out);
}

llvm::Expected<CheckpointData> hybc::loadCheckpoint(llvm::StringRef Dir) {
  std::string Path = checkpointPath(Dir);
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return llvm::createStringError(
        Buf.getError(),
        llvm::formatv("cannot read checkpoint '{0}': {1} (hint: --resume "
                      "takes the --out directory of an earlier run with "
                      "train.checkpoint_every > 0)",
                      Path, Buf.getError().message())
            .str());
  Reader R((*Buf)->getBuffer(), Path);
  char M[8];
  uint32_t V = 0;
  CheckpointData C;
  for (char &Ch : M)
    if (llvm::Error E = R.get(Ch))
      return E;
  if (std::memcmp(M, Magic, 8) != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("'{0}' is not a hybc checkpoint (bad magic)", Path)
            .str());
  if (llvm::Error E = R.get(V))
    return E;
  if (V != Version)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("checkpoint '{0}' has version {1}; this hybc reads "
                      "version {2}",
                      Path, V, Version)
            .str());
  uint64_t Len = 0;
  llvm::StringRef Header, Params, Opt, Ema;
  if (llvm::Error E = R.get(C.SpecHash))
    return E;
  for (llvm::StringRef *Blob : {&Header, &Params, &Opt, &Ema}) {
    if (llvm::Error E = R.get(Len))
      return E;
    if (llvm::Error E = R.bytes(Len, *Blob))
      return E;
  }
  auto J = llvm::json::parse(Header);
  const llvm::json::Object *O = J ? J->getAsObject() : nullptr;
  llvm::json::Path::Root Root;
  if (!O || !O->getInteger("step") || !O->getNumber("train_ms") ||
      !O->get("loader") ||
      !data::fromJSON(*O->get("loader"), C.Loader, Root)) {
    if (!J)
      llvm::consumeError(J.takeError());
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("checkpoint '{0}' has a corrupt header", Path).str());
  }
  C.Step = *O->getInteger("step");
  C.TrainMs = *O->getNumber("train_ms");
  C.QatActive = O->getBoolean("qat_active").getValueOr(false);
  C.Params.resize(Params.size() / sizeof(float));
  std::memcpy(C.Params.data(), Params.data(), C.Params.size() * sizeof(float));
  C.Optimizer.assign(Opt.begin(), Opt.end());
  C.Ema.assign(Ema.begin(), Ema.end());
  return C;
}
