//===- runtime/data/TokenizerLuts.h - val_bpb byte look-up tables -*- C++ -*-===//
//
/// \file
/// Per-token byte tables for the exact Parameter Golf `val_bpb` (reference
/// `build_sentencepiece_luts`). For every id t < the tokenizer's vocab:
/// CONTROL/UNKNOWN/UNUSED pieces are boundaries with 0 bytes; BYTE pieces
/// (`<0xNN>`) count 1 byte; other pieces count the UTF-8 length of the piece
/// minus one leading "▁" (U+2581), which sets HasLeadingSpace. Tables are
/// sized max(tokenizer vocab, model vocab); ids beyond the tokenizer are
/// boundaries with 0 bytes. A tokenizer without a standalone "▁" piece is
/// rejected (it would under-count spaces, PG issue #897).
///
/// Example:
/// \code
///   auto L = hybc::data::loadTokenizerLuts(
///       "data/sample/fineweb_1024_bpe.model", /*ModelVocab=*/1024);
///   if (!L) return L.takeError();
///   unsigned B = L->BaseBytes[939];   // "▁" -> 0 bytes + leading space
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_DATA_TOKENIZERLUTS_H
#define HYBC_RUNTIME_DATA_TOKENIZERLUTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {
namespace data {

/// Kind of a SentencePiece piece, as far as byte counting cares.
enum class PieceKind { Normal, Control, Unknown, Unused, Byte, UserDefined };

/// One tokenizer piece (string + kind), index = token id.
struct PieceInfo {
  std::string Piece;
  PieceKind Kind = PieceKind::Normal;
};

/// The three byte-counting tables, indexed by token id.
struct TokenizerLuts {
  std::vector<int16_t> BaseBytes;      ///< Bytes of the piece without "▁".
  std::vector<uint8_t> HasLeadingSpace; ///< Piece starts with "▁".
  std::vector<uint8_t> IsBoundary;     ///< Control/unknown/unused/out of range.
  unsigned TokenizerVocab = 0;         ///< Pieces in the tokenizer.
  int SpaceId = -1;                    ///< Id of the standalone "▁" piece.

  /// Table size, max(tokenizer vocab, model vocab).
  size_t size() const { return BaseBytes.size(); }
};

/// Builds the tables from \p Pieces, sized max(Pieces.size(), ModelVocab).
/// \p What names the tokenizer in errors (missing "▁").
llvm::Expected<TokenizerLuts> buildTokenizerLuts(llvm::ArrayRef<PieceInfo> Pieces,
                                                 unsigned ModelVocab,
                                                 llvm::StringRef What);

/// Reads the pieces of the SentencePiece model \p ModelPath (libsentencepiece).
llvm::Expected<std::vector<PieceInfo>> loadSentencePieces(llvm::StringRef ModelPath);

/// Loads \p ModelPath and builds its tables for a model of \p ModelVocab.
llvm::Expected<TokenizerLuts> loadTokenizerLuts(llvm::StringRef ModelPath,
                                                unsigned ModelVocab);

/// Fails unless \p TokenizerVocab == \p SpecVocab; the message names
/// \p ModelPath and hints at the spec field to change.
llvm::Error checkVocabMatch(llvm::StringRef ModelPath, unsigned TokenizerVocab,
                            unsigned SpecVocab);

} // namespace data
} // namespace hybc

#endif // HYBC_RUNTIME_DATA_TOKENIZERLUTS_H
