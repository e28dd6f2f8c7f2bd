//===- runtime/data/TokenizerLuts.cpp - val_bpb byte look-up tables -------===//
//
/// \file
/// Table construction (pure) and the libsentencepiece piece reader.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/TokenizerLuts.h"
#include "runtime/data/DataError.h"

#include <sentencepiece_processor.h>

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace data {

namespace {
/// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's space marker.
constexpr const char *kSpaceMarker = "\xE2\x96\x81";
} // namespace

Expected<TokenizerLuts> buildTokenizerLuts(ArrayRef<PieceInfo> Pieces,
                                           unsigned ModelVocab,
                                           StringRef What) {
  size_t Size = std::max<size_t>(Pieces.size(), ModelVocab);
  TokenizerLuts L;
  L.TokenizerVocab = Pieces.size();
  L.BaseBytes.assign(Size, 0);
  L.HasLeadingSpace.assign(Size, 0);
  L.IsBoundary.assign(Size, 1);
  for (size_t Id = 0; Id < Pieces.size(); ++Id) {
    const PieceInfo &P = Pieces[Id];
    if (P.Kind == PieceKind::Control || P.Kind == PieceKind::Unknown ||
        P.Kind == PieceKind::Unused)
      continue;
    L.IsBoundary[Id] = 0;
    if (P.Kind == PieceKind::Byte) {
      L.BaseBytes[Id] = 1;
      continue;
    }
    StringRef Text = P.Piece;
    if (Text == kSpaceMarker && L.SpaceId < 0)
      L.SpaceId = static_cast<int>(Id);
    if (Text.consume_front(kSpaceMarker))
      L.HasLeadingSpace[Id] = 1;
    L.BaseBytes[Id] = static_cast<int16_t>(Text.size());
  }
  if (L.SpaceId < 0)
    return dataError("tokenizer '" + What + "' has no standalone \"\xE2\x96\x81\" "
                     "piece (hint: spaces would be byte-fallback encoded and "
                     "val_bpb under-counted, PG issue #897; retrain the "
                     "tokenizer with 'hybc data train-tokenizer')");
  return L;
}

Expected<std::vector<PieceInfo>> loadSentencePieces(StringRef ModelPath) {
  sentencepiece::SentencePieceProcessor SP;
  sentencepiece::util::Status S = SP.Load(ModelPath.str());
  if (!S.ok())
    return dataError("tokenizer '" + ModelPath + "': cannot load: " +
                     S.ToString() + " (hint: pass a SentencePiece .model "
                     "file, e.g. data/sample/fineweb_1024_bpe.model)");
  std::vector<PieceInfo> Pieces(SP.GetPieceSize());
  for (int Id = 0; Id < SP.GetPieceSize(); ++Id) {
    PieceInfo &P = Pieces[Id];
    P.Piece = SP.IdToPiece(Id);
    if (SP.IsControl(Id))
      P.Kind = PieceKind::Control;
    else if (SP.IsUnknown(Id))
      P.Kind = PieceKind::Unknown;
    else if (SP.IsUnused(Id))
      P.Kind = PieceKind::Unused;
    else if (SP.IsByte(Id))
      P.Kind = PieceKind::Byte;
  }
  return Pieces;
}

Expected<TokenizerLuts> loadTokenizerLuts(StringRef ModelPath,
                                          unsigned ModelVocab) {
  Expected<std::vector<PieceInfo>> Pieces = loadSentencePieces(ModelPath);
  if (!Pieces)
    return Pieces.takeError();
  return buildTokenizerLuts(*Pieces, ModelVocab, ModelPath);
}

Error checkVocabMatch(StringRef ModelPath, unsigned TokenizerVocab,
                      unsigned SpecVocab) {
  if (TokenizerVocab == SpecVocab)
    return Error::success();
  return dataError("tokenizer '" + ModelPath + "' has vocab " +
                   Twine(TokenizerVocab) + " but the model spec says vocab " +
                   Twine(SpecVocab) + " (hint: set model.vocab = " +
                   Twine(TokenizerVocab) + " in the spec or pass the matching "
                   "tokenizer as data.tokenizer)");
}

} // namespace data
} // namespace hybc
