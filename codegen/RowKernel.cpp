//===- codegen/RowKernel.cpp - One fused row kernel -----------------------===//
///
/// \file
/// See RowKernel.h. Example: the group {%5 = resid_mix, %6 = rms_norm} of
/// the tiny hybrid becomes `hybc_resid_mix_rms_norm_fwd_r4096_d128_<hash>`
/// with inputs (x, x0, mix) and outputs (%5, %6).
///
//===----------------------------------------------------------------------===//
#include "codegen/RowKernel.h"
#include "codegen/EmitCommon.h"
#include "codegen/EmitFamilies.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cassert>

using namespace hybc;
using namespace hybc::ir;

namespace {
constexpr unsigned kMaxBlocksReduce = 1056; // 132 SMs x 8 blocks of 256.
constexpr unsigned kMaxBlocks = 16896;      // 132 SMs x 128.

/// The op names of a group for its kernel name: "rms_norm_add_plus2".
std::string groupOpsName(llvm::ArrayRef<const Op *> Ops, bool &Backward) {
  std::string S;
  Backward = false;
  for (size_t I = 0; I < Ops.size(); ++I) {
    Backward |= isBackwardOp(Ops[I]->kind());
    if (I == 3) {
      S += llvm::formatv("_plus{0}", Ops.size() - 3).str();
      break;
    }
    llvm::StringRef N = opKindName(Ops[I]->kind());
    N.consume_back("_bwd");
    S += (I ? "_" : "") + N.str();
  }
  return S;
}

/// Parameter-name suffix of result R of a row op.
const char *resultRole(OpKind K, unsigned R) {
  static const char *const Mix[] = {"dx", "dx0", "dmix"};
  switch (K) {
  case OpKind::ResidMixBwd:
    return Mix[R];
  case OpKind::ScaledAddBwd:
    return R ? "ds" : "df";
  case OpKind::HeadGainBwd:
    return R ? "dg" : "dx";
  case OpKind::SmearGateBwd:
    return R ? "dgate" : "dx";
  default:
    return isBackwardOp(K) ? "dx" : "y";
  }
}

} // namespace

int64_t RowMapping::regs() const {
  int64_t PerSlot = static_cast<int64_t>(Lanes) * Vec;
  return (Cols + PerSlot - 1) / PerSlot * Vec;
}

RowMapping hybc::chooseRowMapping(RowView V, int64_t RopeHalf, bool Reduces) {
  RowMapping M;
  M.Rows = V.Rows;
  M.Cols = V.Cols;
  M.Vec = V.Cols % 4 == 0 ? 4 : V.Cols % 2 == 0 ? 2 : 1;
  while (RopeHalf && RopeHalf % M.Vec)
    M.Vec /= 2;
  int64_t Vecs = V.Cols / M.Vec;
  M.Lanes = 1;
  while (M.Lanes < 32 && M.Lanes * 4 < Vecs)
    M.Lanes *= 2;
  if (RopeHalf) {
    while (M.Lanes > 1 && RopeHalf % (M.Lanes * M.Vec))
      M.Lanes /= 2;
  } else if (Vecs > 32 * 8) { // Wide rows: one block per row.
    M.Lanes = 64;
    while (M.Lanes < 1024 && M.Lanes * 8 < Vecs)
      M.Lanes *= 2;
  }
  M.Threads = M.Lanes <= 32 ? 256 : M.Lanes;
  M.GroupsPerBlock = M.Threads / std::min(M.Lanes, M.Threads);
  int64_t Blocks = (V.Rows + M.GroupsPerBlock - 1) / M.GroupsPerBlock;
  M.Blocks = static_cast<unsigned>(std::max<int64_t>(
      1, std::min<int64_t>(Blocks, Reduces ? kMaxBlocksReduce : kMaxBlocks)));
  return M;
}

RowKernel::RowKernel(const FusionGroup &G, const FusionPlan &F,
                     const EmitContext &C)
    : Grp(G), Fusion(F), Ctx(C) {
  int64_t Half = 0;
  bool Reduces = false;
  for (const Op *O : G.Ops) {
    Half = std::max(Half, ropeHalf(*O));
    for (const Value *R : O->results())
      Reduces |= isReduceResult(O->kind(), R->resultNo());
  }
  Map = chooseRowMapping(G.View, Half, Reduces);
}

std::string RowKernel::local(llvm::StringRef Base) {
  unsigned N = Counters[Base.str()]++;
  return (Base + llvm::Twine(N)).str();
}

std::string RowKernel::argName(bool Output, llvm::StringRef Role) {
  size_t N = Output ? Outputs.size() : Inputs.size();
  return llvm::formatv("{0}{1}_{2}", Output ? "out" : "in", N, Role).str();
}

std::string RowKernel::input(const Value *V, llvm::StringRef Role) {
  auto It = InputArg.find(V);
  if (It != InputArg.end())
    return It->second;
  std::string Name = argName(false, Role);
  Inputs.push_back(valueArg(Name, *V, /*Output=*/false));
  if (Fusion.Bf16.count(V))
    Inputs.back().CType = "const hybc::bf16 *";
  InputArg[V] = Name;
  return Name;
}

std::string RowKernel::row(const Value *V, llvm::StringRef Role) {
  auto It = Arrays.find(V);
  if (It != Arrays.end())
    return It->second;
  std::string Arg = input(V, Role);
  std::string A = local("x");
  Body.line("float " + A + "[Row::kRegs];");
  Body.line("hybc::load<Row>(" + A + ", " + Arg + " + row * kCols, lane);");
  Arrays[V] = A;
  return A;
}

std::string RowKernel::paramRow(const Value *V, llvm::StringRef Role,
                                int64_t RowIndex) {
  auto Key = std::make_pair(V->id(), RowIndex);
  auto It = Params.find(Key);
  if (It != Params.end())
    return It->second;
  std::string Arg = input(V, Role);
  std::string A = local("p");
  std::string Off = RowIndex == 0
                        ? std::string()
                        : llvm::formatv(" + {0} * kCols", RowIndex).str();
  Pre.line("float " + A + "[Row::kRegs];");
  Pre.line("hybc::load<Row>(" + A + ", " + Arg + Off + ", lane);");
  Params[Key] = A;
  return A;
}

std::string RowKernel::def(const Value *V) {
  assert(!Arrays.count(V) && "row result defined twice");
  std::string A = local("r");
  Body.line("float " + A + "[Row::kRegs];");
  Arrays[V] = A;
  return A;
}

std::string RowKernel::colAcc(const Value *Out, int64_t Offset, int64_t Width,
                              int64_t Base) {
  unsigned P = Partials.size();
  for (unsigned I = 0; I < Partials.size(); ++I)
    if (Partials[I].Out == Out)
      P = I;
  if (P == Partials.size())
    Partials.push_back(
        PartialSum{Out, llvm::formatv("partial{0}", P).str(), Width, Base});
  std::string A = local("acc");
  Pre.line("float " + A + "[Row::kRegs];");
  Pre.line("hybc::zero<Row>(" + A + ");");
  Accs.push_back(Acc{A, P, Offset, 0});
  return A;
}

std::string RowKernel::headAcc(const Value *Out, int64_t Heads) {
  unsigned P = Partials.size();
  Partials.push_back(
      PartialSum{Out, llvm::formatv("partial{0}", P).str(), Heads, 0});
  std::string A = local("acc");
  Pre.line(llvm::formatv("float {0}[{1}] = {{};", A, Heads).str());
  Accs.push_back(Acc{A, P, 0, Heads});
  return A;
}

std::string RowKernel::rowSum(llvm::StringRef Expr) {
  NeedRed |= Map.Lanes > 32;
  return ("hybc::rowSum<kLanes, kThreads>(" + Expr +
          (Map.Lanes > 32 ? ", red)" : ")"))
      .str();
}

std::string RowKernel::rowMax(llvm::StringRef Expr) {
  NeedRed |= Map.Lanes > 32;
  return ("hybc::rowMax<kLanes, kThreads>(" + Expr +
          (Map.Lanes > 32 ? ", red)" : ")"))
      .str();
}

std::string RowKernel::constInt(llvm::StringRef Base, int64_t V) {
  std::string &N = Consts[Base.str() + "=" + std::to_string(V)];
  if (N.empty()) {
    N = local(Base);
    Globals.push_back(constIntDecl(N, V));
  }
  return N;
}

std::string RowKernel::constFloat(llvm::StringRef Base, double V) {
  std::string &N = Consts[Base.str() + "=" + floatLit(V)];
  if (N.empty()) {
    N = local(Base);
    Globals.push_back(constFloatDecl(N, V));
  }
  return N;
}

std::string RowKernel::global(llvm::StringRef Base, llvm::StringRef Decl) {
  std::string N = local(Base);
  std::string D = Decl.str();
  size_t P = D.find('@');
  assert(P != std::string::npos && "global declaration needs '@'");
  D.replace(P, 1, N);
  Globals.push_back(D);
  return N;
}

void RowKernel::unrolled(SourceWriter &W, llvm::StringRef Stmt) {
  W.line("#pragma unroll");
  W.line("for (int j = 0; j < Row::kRegs; ++j)");
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  Stmt.split(Lines, '\n');
  for (llvm::StringRef L : Lines)
    W.line("  " + L);
}

void RowKernel::storeResults(const Op &O) {
  for (const Value *V : O.results()) {
    auto It = Arrays.find(V);
    if (It == Arrays.end() || !Fusion.Materialized.count(V))
      continue;
    std::string Name = argName(true, resultRole(O.kind(), V->resultNo()));
    Outputs.push_back(valueArg(Name, *V, /*Output=*/true));
    if (Fusion.Bf16.count(V))
      Outputs.back().CType = "hybc::bf16 *";
    Body.line("hybc::store<Row>(" + Name + " + row * kCols, " + It->second +
              ", lane);");
  }
}

llvm::Expected<std::vector<KernelSpec>> RowKernel::emit() {
  for (const Op *O : Grp.Ops) {
    Body.comment(irOpText(*O).substr(0, irOpText(*O).find("  #")));
    llvm::Error E = llvm::Error::success();
    switch (O->kind()) {
    case OpKind::RmsNorm:
    case OpKind::RmsNormBwd:
    case OpKind::FakeQuant:
      E = emitNormRowOp(*this, *O);
      break;
    case OpKind::Embedding:
    case OpKind::BigramHash:
    case OpKind::SmearGate:
    case OpKind::SmearGateBwd:
      E = emitEmbeddingRowOp(*this, *O);
      break;
    default:
      E = emitElementwiseRowOp(*this, *O);
      break;
    }
    if (E)
      return E;
    storeResults(*O);
  }
  bool Bwd;
  std::string Ops = groupOpsName(Grp.Ops, Bwd);
  KernelSpec K;
  K.Family = "row";
  K.Grid[0] = Map.Blocks;
  K.Block[0] = Map.Threads;
  K.Args = Inputs;
  K.Args.insert(K.Args.end(), Outputs.begin(), Outputs.end());
  for (const PartialSum &P : Partials)
    K.Args.push_back(scratchBuffer(P.Name, P.Width * Map.Blocks, true));
  std::string Base = llvm::formatv("hybc_{0}_{1}_r{2}_d{3}", Ops,
                                   Bwd ? "bwd" : "fwd", Map.Rows, Map.Cols)
                         .str();
  assembleKernel(K, Base, assemble(K.Args), Grp.Ops, Ctx, summary());
  std::vector<KernelSpec> Out;
  Out.push_back(std::move(K));
  for (const PartialSum &P : Partials)
    Out.push_back(emitColumnSum(P, Map.Blocks, Grp.Ops, Ctx));
  return Out;
}

llvm::Expected<std::vector<KernelSpec>>
hybc::emitRowGroup(const FusionGroup &G, const FusionPlan &F,
                   const EmitContext &C) {
  return RowKernel(G, F, C).emit();
}
