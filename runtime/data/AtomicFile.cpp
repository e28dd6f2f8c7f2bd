//===- runtime/data/AtomicFile.cpp - Crash-safe file writes ---------------===//
//
/// \file
/// Implementation of writeFileAtomic and AtomicFileWriter with POSIX calls:
/// open(O_CREAT|O_TRUNC) on `<path>.tmp.<pid>`, write loop, fsync, rename,
/// fsync of the containing directory.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/AtomicFile.h"
#include "runtime/data/DataError.h"

#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace hybc {
namespace data {

namespace {

constexpr size_t kBufferLimit = 1 << 20;

std::string errnoText(int Errno) { return std::strerror(Errno); }

std::string parentDir(StringRef Path) {
  StringRef Dir = sys::path::parent_path(Path);
  return Dir.empty() ? std::string(".") : Dir.str();
}

/// Writes all of [Data, Data+Size) to FD, retrying on EINTR/short writes.
int writeAll(int FD, const char *Data, size_t Size) {
  while (Size > 0) {
    ssize_t N = ::write(FD, Data, Size);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    Data += N;
    Size -= static_cast<size_t>(N);
  }
  return 0;
}

/// Best-effort fsync of the directory holding Path so the rename is durable.
void syncParentDir(StringRef Path) {
  int DirFD = ::open(parentDir(Path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (DirFD < 0)
    return;
  (void)::fsync(DirFD);
  ::close(DirFD);
}

} // namespace

AtomicFileWriter::AtomicFileWriter(std::string Path, std::string TmpPath,
                                   int FD)
    : Path(std::move(Path)), TmpPath(std::move(TmpPath)), FD(FD) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&Other) noexcept
    : Path(std::move(Other.Path)), TmpPath(std::move(Other.TmpPath)),
      FD(Other.FD), Written(Other.Written), Buffer(std::move(Other.Buffer)) {
  Other.FD = -1;
}

AtomicFileWriter &AtomicFileWriter::operator=(AtomicFileWriter &&Other) noexcept {
  if (this == &Other)
    return *this;
  discard();
  Path = std::move(Other.Path);
  TmpPath = std::move(Other.TmpPath);
  FD = Other.FD;
  Written = Other.Written;
  Buffer = std::move(Other.Buffer);
  Other.FD = -1;
  return *this;
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

Expected<AtomicFileWriter> AtomicFileWriter::create(StringRef Path) {
  if (Path.empty())
    return dataError("cannot write a file with an empty path (hint: pass an "
                     "output path)");
  std::string Tmp = (Path + ".tmp." + Twine(::getpid())).str();
  int FD = ::open(Tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (FD < 0) {
    int Err = errno;
    return dataError("cannot write '" + Path + "': creating '" + Tmp +
                     "' failed: " + errnoText(Err) + " (hint: check that "
                     "directory '" + parentDir(Path) +
                     "' exists and is writable)");
  }
  return AtomicFileWriter(Path.str(), std::move(Tmp), FD);
}

Error AtomicFileWriter::flushBuffer() {
  if (Buffer.empty())
    return Error::success();
  int Err = writeAll(FD, Buffer.data(), Buffer.size());
  Buffer.clear();
  if (Err != 0)
    return dataError("cannot write '" + Path + "': writing '" + TmpPath +
                     "' failed: " + errnoText(Err) +
                     " (hint: check free disk space and quotas)");
  return Error::success();
}

Error AtomicFileWriter::write(ArrayRef<char> Bytes) {
  if (FD < 0)
    return dataError("cannot write '" + Path + "': writer already committed "
                     "or discarded (hint: create a new AtomicFileWriter)");
  Written += Bytes.size();
  if (Buffer.size() + Bytes.size() > kBufferLimit) {
    if (Error E = flushBuffer()) {
      discard();
      return E;
    }
    if (Bytes.size() > kBufferLimit) {
      if (int Err = writeAll(FD, Bytes.data(), Bytes.size())) {
        discard();
        return dataError("cannot write '" + Path + "': writing '" + TmpPath +
                         "' failed: " + errnoText(Err) +
                         " (hint: check free disk space and quotas)");
      }
      return Error::success();
    }
  }
  Buffer.append(Bytes.begin(), Bytes.end());
  return Error::success();
}

Error AtomicFileWriter::commit() {
  if (FD < 0)
    return dataError("cannot commit '" + Path + "': writer already committed "
                     "or discarded (hint: create a new AtomicFileWriter)");
  if (Error E = flushBuffer()) {
    discard();
    return E;
  }
  if (::fsync(FD) != 0) {
    int Err = errno;
    discard();
    return dataError("cannot write '" + Path + "': fsync of '" + TmpPath +
                     "' failed: " + errnoText(Err) +
                     " (hint: check the file system and free space)");
  }
  int CloseRC = ::close(FD);
  FD = -1;
  if (CloseRC != 0) {
    int Err = errno;
    ::unlink(TmpPath.c_str());
    return dataError("cannot write '" + Path + "': closing '" + TmpPath +
                     "' failed: " + errnoText(Err) +
                     " (hint: check the file system and free space)");
  }
  if (::rename(TmpPath.c_str(), Path.c_str()) != 0) {
    int Err = errno;
    ::unlink(TmpPath.c_str());
    return dataError("cannot write '" + Path + "': renaming '" + TmpPath +
                     "' onto it failed: " + errnoText(Err) +
                     " (hint: the target must not be a directory and must be "
                     "on the same file system)");
  }
  syncParentDir(Path);
  return Error::success();
}

void AtomicFileWriter::discard() {
  if (FD < 0)
    return;
  ::close(FD);
  FD = -1;
  Buffer.clear();
  ::unlink(TmpPath.c_str());
}

Error writeFileAtomic(StringRef Path, ArrayRef<char> Bytes) {
  Expected<AtomicFileWriter> W = AtomicFileWriter::create(Path);
  if (!W)
    return W.takeError();
  if (Error E = W->write(Bytes))
    return E;
  return W->commit();
}

Error writeFileAtomic(StringRef Path, StringRef Bytes) {
  return writeFileAtomic(Path, ArrayRef<char>(Bytes.data(), Bytes.size()));
}

} // namespace data
} // namespace hybc
