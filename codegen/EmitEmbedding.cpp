//===- codegen/EmitEmbedding.cpp - Gathers, smear gate, scatters ----------===//
///
/// \file
/// The input side of the model (runtime/cpu/Embedding.cpp is the oracle):
/// embedding and bigram_hash gathers and smear_gate (+ backward) as row
/// statements, and the embedding_bwd / bigram_hash_bwd scatter kernels.
///
/// The scatter is sort-free and deterministic: block (b, c) owns table rows
/// [b*R, (b+1)*R) in shared memory and token chunk c (grid.y, up to 16
/// chunks of >= 4096 tokens, so a frequent token's hits are spread over many
/// blocks); it scans the chunk's ids in tiles, compacts the tokens that hit
/// its rows in token order (ballot + popc), each thread adds its columns of
/// those dy rows in that order, and the block writes chunk c's partial
/// table; a second kernel sums the partials in chunk order. No atomics; the
/// sum order is fixed, independent of the launch. Example:
/// `%195 = embedding_bwd(%194, %0)` at V=1024, D=128, 4096 tokens gives
/// `hybc_embedding_bwd_n4096_v1024_d128_<hash>` with 256 blocks of 4 rows.
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitCommon.h"
#include "codegen/EmitFamilies.h"
#include "codegen/RowKernel.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace hybc;
using namespace hybc::ir;

namespace {

/// BigramHash multiplier of the PG scripts (runtime/cpu/Embedding.h).
constexpr int64_t kBigramMultiplier = 92821;

/// `const hybc::i64 hashN = (prev * 92821 + cur) % kBuckets;` for Row.
std::string bigramIndex(RowKernel &K, const Op &O, llvm::StringRef Ids,
                        llvm::StringRef Row) {
  const TensorType &T = O.operand(0)->type();
  std::string Tm = K.constInt("kTime", T.Shape[1]);
  std::string Bk = K.constInt("kBuckets", O.getInt("buckets"));
  std::string H = K.local("hash");
  K.body().line(llvm::formatv("const hybc::i64 {0} = (({1} % {2} == 0 ? 0 : "
                              "static_cast<hybc::i64>({3}[{1} - 1])) * {4}LL "
                              "+ {3}[{1}]) % {5};",
                              H, Row, Tm, Ids, kBigramMultiplier, Bk)
                    .str());
  return H;
}

void gather(RowKernel &K, const Op &O) {
  std::string Ids = K.input(O.operand(0), "ids");
  std::string Table = K.input(O.operand(1), "table");
  std::string Index;
  if (O.kind() == OpKind::BigramHash) {
    Index = bigramIndex(K, O, Ids, "row");
  } else {
    Index = K.local("id");
    K.body().line("const hybc::i64 " + Index + " = " + Ids + "[row];");
  }
  std::string Y = K.def(O.result());
  K.body().line("hybc::load<Row>(" + Y + ", " + Table + " + " + Index +
                " * kCols, lane);");
}

/// Hoists s = sigmoid(gate) (per column) before the row loop.
std::string gateSigmoid(RowKernel &K, const Value *Gate) {
  std::string S = K.paramRow(Gate, "gate", 0);
  K.preLoop(llvm::formatv("{0}[j] = hybc::sigmoid({0}[j]);", S).str());
  return S;
}

void smearGate(RowKernel &K, const Op &O) {
  const TensorType &T = O.operand(0)->type();
  std::string Tm = K.constInt("kTime", T.Shape[1]);
  std::string X = K.row(O.operand(0), "x");
  std::string XP = K.input(O.operand(0), "x");
  std::string S = gateSigmoid(K, O.operand(1));
  std::string Prev = K.local("prev");
  K.body().line("float " + Prev + "[Row::kRegs];");
  K.body().line(llvm::formatv("if (row % {0} == 0)", Tm).str());
  K.body().line("  hybc::zero<Row>(" + Prev + ");");
  K.body().line("else");
  K.body().line("  hybc::load<Row>(" + Prev + ", " + XP +
                " + (row - 1) * kCols, lane);");
  std::string Y = K.def(O.result());
  K.loop(llvm::formatv("{0}[j] = {1}[j] * {2}[j] + (1.0f - {1}[j]) * {3}[j];",
                       Y, S, X, Prev)
             .str());
}

void smearGateBwd(RowKernel &K, const Op &O) {
  const TensorType &T = O.operand(0)->type();
  std::string Tm = K.constInt("kTime", T.Shape[1]);
  std::string DY = K.row(O.operand(0), "dy"), X = K.row(O.operand(1), "x");
  std::string DYP = K.input(O.operand(0), "dy");
  std::string XP = K.input(O.operand(1), "x");
  std::string S = gateSigmoid(K, O.operand(2));
  std::string A = K.colAcc(O.result(1), 0, K.mapping().Cols, 0);
  std::string Prev = K.local("prev"), Next = K.local("next");
  SourceWriter &B = K.body();
  B.line("float " + Prev + "[Row::kRegs], " + Next + "[Row::kRegs];");
  B.line(llvm::formatv("if (row % {0} == 0)", Tm).str());
  B.line("  hybc::zero<Row>(" + Prev + ");");
  B.line("else");
  B.line("  hybc::load<Row>(" + Prev + ", " + XP +
         " + (row - 1) * kCols, lane);");
  B.line(llvm::formatv("if (row % {0} == {0} - 1)", Tm).str());
  B.line("  hybc::zero<Row>(" + Next + ");");
  B.line("else");
  B.line("  hybc::load<Row>(" + Next + ", " + DYP +
         " + (row + 1) * kCols, lane);");
  std::string DX = K.def(O.result(0));
  K.loop(llvm::formatv("{{\n  {0}[j] += {1}[j] * ({2}[j] - {3}[j]) * ({4}[j] "
                       "* (1.0f - {4}[j]));\n  {5}[j] = {4}[j] * {1}[j] + "
                       "(1.0f - {4}[j]) * {6}[j];\n}",
                       A, DY, X, Prev, S, DX, Next)
             .str());
}

} // namespace

llvm::Error hybc::emitEmbeddingRowOp(RowKernel &K, const Op &O) {
  switch (O.kind()) {
  case OpKind::Embedding:
  case OpKind::BigramHash:
    gather(K, O);
    return llvm::Error::success();
  case OpKind::SmearGate:
    smearGate(K, O);
    return llvm::Error::success();
  case OpKind::SmearGateBwd:
    smearGateBwd(K, O);
    return llvm::Error::success();
  default:
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("codegen: op '{0}' is not an embedding row op",
                      opKindName(O.kind()))
            .str());
  }
}

namespace {

/// Table rows per block: a power of two, shared memory <= 32 KiB, and
/// about 132 blocks or more.
int64_t scatterRowsPerBlock(int64_t Rows, int64_t Dim) {
  int64_t MaxRows = std::max<int64_t>(1, 8192 / Dim);
  int64_t Want = std::max<int64_t>(1, Rows / 132);
  int64_t R = 1;
  while (R * 2 <= std::min(MaxRows, Want))
    R *= 2;
  return R;
}

/// The scatter kernel body: zero the block's rows, then per tile of tokens
/// compact the hits in token order and add their dy rows.
void writeScatterBody(llvm::raw_ostream &OS, bool Bigram) {
  OS << "  __shared__ __align__(16) float acc[kRowsPerBlock * kDim];\n"
     << "  __shared__ int hitToken[kThreads], hitRow[kThreads];\n"
     << "  __shared__ int warpHits[kThreads / 32];\n"
     << "  const hybc::i64 v0 = static_cast<hybc::i64>(blockIdx.x) * "
        "kRowsPerBlock;\n"
     << "  for (int i = threadIdx.x; i < kRowsPerBlock * kDim; i += "
        "kThreads)\n"
     << "    acc[i] = 0.0f;\n"
     << "  __syncthreads();\n";
  OS << "  const int tLim = (static_cast<int>(blockIdx.y) + 1) * "
        "kChunkTokens;\n"
     << "  const int tEnd = tLim < kTokens ? tLim : kTokens;\n"
     << "  for (int base = blockIdx.y * kChunkTokens; base < tEnd; base += "
        "kThreads) {\n"
     << "    const int t = base + threadIdx.x;\n"
     << "    int r = -1;\n"
     << "    if (t < tEnd) {\n";
  if (Bigram)
    OS << "      const hybc::i64 prev = t % kTime == 0 ? 0 : "
          "static_cast<hybc::i64>(ids[t - 1]);\n"
       << "      const hybc::i64 id = (prev * kMultiplier + ids[t]) % "
          "kTableRows;\n";
  else
    OS << "      const hybc::i64 id = ids[t];\n";
  OS << "      if (id >= v0 && id < v0 + kRowsPerBlock)\n"
     << "        r = static_cast<int>(id - v0);\n"
     << "    }\n"
     << "    const unsigned m = __ballot_sync(hybc::kFullMask, r >= 0);\n"
     << "    if ((threadIdx.x & 31) == 0)\n"
     << "      warpHits[threadIdx.x >> 5] = __popc(m);\n"
     << "    __syncthreads();\n"
     << "    int before = 0, total = 0;\n"
     << "    for (int w = 0; w < kThreads / 32; ++w) {\n"
     << "      before += w < (threadIdx.x >> 5) ? warpHits[w] : 0;\n"
     << "      total += warpHits[w];\n"
     << "    }\n"
     << "    if (r >= 0) {\n"
     << "      const int k = before + __popc(m & ((1u << (threadIdx.x & 31)) "
        "- 1u));\n"
     << "      hitToken[k] = t;\n"
     << "      hitRow[k] = r;\n"
     << "    }\n"
     << "    __syncthreads();\n"
     // kUnroll independent dy loads in flight, then the adds in token
     // order: the same sums as one hit at a time, without a load latency
     // per hit (a frequent token gives one block thousands of hits).
     << "    int k = 0;\n"
     << "    for (; k + kUnroll <= total; k += kUnroll)\n"
     << "      for (int c = threadIdx.x; c < kDim; c += kThreads) {\n"
     << "        float v[kUnroll];\n"
     << "#pragma unroll\n"
     << "        for (int u = 0; u < kUnroll; ++u)\n"
     << "          v[u] = dy[static_cast<hybc::i64>(hitToken[k + u]) * kDim + "
        "c];\n"
     << "#pragma unroll\n"
     << "        for (int u = 0; u < kUnroll; ++u)\n"
     << "          acc[hitRow[k + u] * kDim + c] += v[u];\n"
     << "      }\n"
     << "    for (; k < total; ++k) {\n"
     << "      const float *src = dy + static_cast<hybc::i64>(hitToken[k]) * "
        "kDim;\n"
     << "      float *dst = acc + hitRow[k] * kDim;\n"
     << "      for (int c = threadIdx.x; c < kDim; c += kThreads)\n"
     << "        dst[c] += src[c];\n"
     << "    }\n"
     << "    __syncthreads();\n"
     << "  }\n";
}

/// Token chunks of the scatter (grid.y): enough blocks that a frequent
/// token's hits are spread over many of them; at most 16 partial tables.
int64_t scatterChunks(int64_t Tokens) {
  return std::max<int64_t>(1, std::min<int64_t>(16, Tokens / 4096));
}

/// dtable = the chunk partials summed in chunk order (deterministic).
KernelSpec emitChunkSum(const Op &O, const EmitContext &C,
                        const std::string &Base, int64_t Chunks, int64_t N) {
  KernelSpec K;
  K.Family = "embedding";
  K.Block[0] = 256;
  K.Grid[0] = static_cast<unsigned>(std::min<int64_t>((N + 255) / 256, 4096));
  K.Args.push_back(scratchBuffer("embed_partials", Chunks * N, false));
  K.Args.push_back(valueArg("dtable", *O.result(), true));
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kN", N) << "\n"
     << constIntDecl("kChunks", Chunks) << "\n"
     << constIntDecl("kThreads", 256) << "\n\n"
     << kernelSignature(K.Args, "kThreads") << "\n"
     << "  for (hybc::i64 i = hybc::globalThread(); i < kN; i += "
        "hybc::gridThreads()) {\n"
     << "    float s = 0.0f;\n"
     << "    for (int c = 0; c < kChunks; ++c)\n"
     << "      s += embed_partials[c * kN + i];\n"
     << "    dtable[i] = s;\n"
     << "  }\n}\n";
  const Op *Ops[] = {&O};
  assembleKernel(K, Base + "_sum", OS.str(), Ops, C,
                 llvm::formatv("sums the {0} token-chunk partial tables in "
                               "chunk order",
                               Chunks)
                     .str());
  return K;
}

} // namespace

llvm::Expected<std::vector<KernelSpec>>
hybc::emitEmbeddingBackward(const Op &O, const EmitContext &C) {
  bool Bigram = O.kind() == OpKind::BigramHashBwd;
  const TensorType &DY = O.operand(0)->type(), &W = O.result()->type();
  int64_t Tokens = DY.outer(), Dim = DY.inner(), Rows = W.Shape[0];
  if (Bigram && O.getInt("buckets") != Rows)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "codegen: bigram_hash_bwd buckets differ from the table rows");
  if (Dim > 8192)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("codegen: {0} rows of {1} floats do not fit the "
                      "scatter kernel's shared memory (hint: dim <= 8192)",
                      opKindName(O.kind()), Dim)
            .str());
  int64_t R = scatterRowsPerBlock(Rows, Dim);
  KernelSpec K;
  K.Family = "embedding";
  K.Block[0] = 256;
  K.Grid[0] = static_cast<unsigned>((Rows + R - 1) / R);
  const int64_t Chunks = scatterChunks(Tokens);
  K.Grid[1] = static_cast<unsigned>(Chunks);
  K.Args.push_back(valueArg("dy", *O.operand(0), false));
  K.Args.push_back(valueArg("ids", *O.operand(1), false));
  K.Args.push_back(scratchBuffer("embed_partials", Chunks * Rows * Dim, true));
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << constIntDecl("kTokens", Tokens) << "\n"
     << constIntDecl("kTableRows", Rows) << "\n"
     << constIntDecl("kDim", Dim) << "\n"
     << constIntDecl("kRowsPerBlock", R) << "\n"
     << constIntDecl("kThreads", 256) << "\n"
     << constIntDecl("kUnroll", 8) << "\n"
     << constIntDecl("kChunkTokens", (Tokens + Chunks - 1) / Chunks) << "\n";
  if (Bigram)
    OS << constIntDecl("kTime", DY.Shape[1]) << "\n"
       << "static constexpr long long kMultiplier = " << kBigramMultiplier
       << "LL;\n";
  OS << "\n" << kernelSignature(K.Args, "kThreads") << "\n";
  writeScatterBody(OS, Bigram);
  OS << "  for (int i = threadIdx.x; i < kRowsPerBlock * kDim; i += "
        "kThreads) {\n"
     << "    const hybc::i64 v = v0 + i / kDim;\n"
     << "    if (v < kTableRows)\n"
     << "      embed_partials[(static_cast<hybc::i64>(blockIdx.y) * kTableRows "
        "+ v) * kDim + i % kDim] = acc[i];\n"
     << "  }\n}\n";
  std::string Base =
      llvm::formatv("hybc_{0}_bwd_n{1}_v{2}_d{3}",
                    Bigram ? "bigram_hash" : "embedding", Tokens, Rows, Dim)
          .str();
  const Op *Ops[] = {&O};
  assembleKernel(K, Base, OS.str(), Ops, C,
                 llvm::formatv("sort-free scatter: each block owns {0} table "
                               "rows and one of {1} token chunks and adds its "
                               "tokens' dy rows in token order into that "
                               "chunk's partial table (deterministic, no "
                               "atomics)",
                               R, Chunks)
                     .str());
  std::vector<KernelSpec> Out;
  Out.push_back(std::move(K));
  Out.push_back(emitChunkSum(O, C, Base, Chunks, Rows * Dim));
  return Out;
}
