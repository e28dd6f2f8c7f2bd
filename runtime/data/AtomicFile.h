//===- runtime/data/AtomicFile.h - Crash-safe file writes --------*- C++ -*-===//
//
/// \file
/// Crash-safe file writing used by every part of hybc that produces a file
/// (shards, tokenizers, checkpoints, logs of record). Bytes go to
/// `<path>.tmp.<pid>` in the target's own directory, are fsync'ed, and the
/// temporary is renamed onto the target (then the directory is fsync'ed), so
/// a reader sees either the old file or the complete new one, never a prefix.
///
/// Example:
/// \code
///   if (llvm::Error E = hybc::data::writeFileAtomic("run/ckpt.bin", Bytes))
///     return E;
///   auto W = hybc::data::AtomicFileWriter::create("run/big.bin");
///   if (!W) return W.takeError();
///   if (llvm::Error E = W->write(Chunk)) return E;
///   if (llvm::Error E = W->commit()) return E;
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_ATOMICFILE_H
#define HYBC_RUNTIME_DATA_ATOMICFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace hybc {
namespace data {

/// Writes \p Bytes to \p Path atomically (temporary in the same directory,
/// fsync, rename, directory fsync). On failure the target is untouched and
/// the temporary is removed; the error names the path and carries a hint.
llvm::Error writeFileAtomic(llvm::StringRef Path, llvm::ArrayRef<char> Bytes);

/// Overload of writeFileAtomic for text or any byte string.
llvm::Error writeFileAtomic(llvm::StringRef Path, llvm::StringRef Bytes);

/// Overload for C strings (makes `writeFileAtomic(P, "text")` unambiguous).
inline llvm::Error writeFileAtomic(llvm::StringRef Path, const char *Bytes) {
  return writeFileAtomic(Path, llvm::StringRef(Bytes));
}

/// Streaming crash-safe writer: create() opens `<Path>.tmp.<pid>`, write()
/// appends (buffered), commit() flushes, fsyncs and renames onto \p Path.
/// Destroying an uncommitted writer (or calling discard()) removes the
/// temporary and leaves the target untouched. Movable, not copyable.
class AtomicFileWriter {
public:
  /// Opens the temporary for \p Path. Fails with a hint when the directory
  /// does not exist or is not writable.
  static llvm::Expected<AtomicFileWriter> create(llvm::StringRef Path);

  AtomicFileWriter(AtomicFileWriter &&Other) noexcept;
  AtomicFileWriter &operator=(AtomicFileWriter &&Other) noexcept;
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;
  ~AtomicFileWriter();

  /// Appends \p Bytes to the temporary file.
  llvm::Error write(llvm::ArrayRef<char> Bytes);
  /// Appends \p Bytes to the temporary file.
  llvm::Error write(llvm::StringRef Bytes) {
    return write(llvm::ArrayRef<char>(Bytes.data(), Bytes.size()));
  }
  /// Flushes, fsyncs, closes and renames the temporary onto the target.
  /// After commit() (successful or not) the writer is finished.
  llvm::Error commit();
  /// Closes and removes the temporary; the target is left untouched.
  void discard();

  /// The final path this writer commits to.
  llvm::StringRef path() const { return Path; }
  /// The temporary path bytes are written to before commit().
  llvm::StringRef tmpPath() const { return TmpPath; }
  /// Bytes written so far (including still-buffered bytes).
  uint64_t bytesWritten() const { return Written; }

private:
  AtomicFileWriter(std::string Path, std::string TmpPath, int FD);
  llvm::Error flushBuffer();

  std::string Path;
  std::string TmpPath;
  int FD = -1;
  uint64_t Written = 0;
  llvm::SmallVector<char, 0> Buffer;
};

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_ATOMICFILE_H
