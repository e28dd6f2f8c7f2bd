//===- ir/Printer.cpp - Stable textual IR (.hir) --------------------------===//
//
// See Printer.h for the format.
//
//===----------------------------------------------------------------------===//
#include "ir/Printer.h"

#include "llvm/Support/Format.h"

#include <cstdio>
#include <cstdlib>

using namespace hybc;
using namespace hybc::ir;

namespace {

/// Shortest round-trip decimal for a double ("%.9g" is enough for the
/// fp32-valued constants we carry; doubles use 17 digits when needed).
void printDouble(double V, llvm::raw_ostream &OS) {
  char Buf[64];
  snprintf(Buf, sizeof(Buf), "%.9g", V);
  if (std::strtod(Buf, nullptr) != V)
    snprintf(Buf, sizeof(Buf), "%.17g", V);
  OS << Buf;
}

const char *initName(ParamInit::Kind K) {
  switch (K) {
  case ParamInit::Zeros:
    return "zeros";
  case ParamInit::Constant:
    return "constant";
  case ParamInit::Normal:
    return "normal";
  case ParamInit::Uniform:
    return "uniform";
  case ParamInit::Orthogonal:
    return "orthogonal";
  case ParamInit::ResidMix:
    return "resid_mix";
  case ParamInit::DtBias:
    return "dt_bias";
  }
  return "?";
}

void printAttrs(const Op &O, llvm::raw_ostream &OS) {
  if (O.attrs().empty())
    return;
  OS << " {";
  bool First = true;
  for (const Attr &A : O.attrs()) {
    OS << (First ? "" : ", ") << A.Key << "=";
    First = false;
    if (A.IsInt)
      OS << A.I;
    else
      printDouble(A.F, OS);
  }
  OS << "}";
}

} // namespace

void ir::printParams(const Model &M, llvm::raw_ostream &OS) {
  for (const auto &P : M.Params) {
    OS << "param @" << P->name() << " : " << P->type().str()
       << " group=" << optGroupName(P->group())
       << " quant=" << quantClassName(P->quant())
       << " init=" << initName(P->init().K);
    if (P->init().K != ParamInit::Zeros && P->init().K != ParamInit::ResidMix) {
      OS << "(";
      printDouble(P->init().A, OS);
      if (P->init().K == ParamInit::DtBias) {
        OS << ",";
        printDouble(P->init().B, OS);
        OS << ",";
        printDouble(P->init().C, OS);
      }
      OS << ")";
    }
    OS << "\n";
  }
  OS << "# params_total " << M.Params.totalNumel() << "\n";
}

void ir::printSchedule(const Model &M, const VirtualSchedule &S,
                       llvm::raw_ostream &OS) {
  OS << "schedule recurrence=" << (S.RecurrenceActive ? "on" : "off")
     << " encoder=" << S.NumEncoder << " virtual=" << S.Layers.size()
     << "\n";
  for (size_t V = 0; V < S.Layers.size(); ++V) {
    const VirtualLayer &L = S.Layers[V];
    const BlockSpec &B = M.S.Model.Blocks[M.Layers[L.Physical].BlockIndex];
    OS << "  v" << V << " = blocks." << L.Physical << " (" << B.Name
       << (L.Repeat ? ", repeat " + std::to_string(L.Repeat) : std::string())
       << ")" << (L.Decoder ? " decoder" : " encoder");
    if (L.PopsSkip)
      OS << (L.SkipWeight >= 0
                 ? " skip=skip_weights[" + std::to_string(L.SkipWeight) + "]"
                 : std::string(" skip=dropped"));
    OS << "\n";
  }
}

void ir::printGraph(const Graph &G, llvm::raw_ostream &OS) {
  OS << "graph B=" << G.Batch << " T=" << G.Time << "\n";
  for (const auto &O : G.ops()) {
    OS << "  ";
    for (unsigned I = 0; I < O->numResults(); ++I)
      OS << (I ? ", " : "") << "%" << O->result(I)->id();
    OS << " = " << opKindName(O->kind());
    if (O->kind() == OpKind::ParamRef)
      OS << " @" << O->param()->name();
    else if (O->kind() == OpKind::Input)
      OS << " \"" << O->inputName() << "\"";
    else {
      OS << "(";
      for (unsigned I = 0; I < O->numOperands(); ++I)
        OS << (I ? ", " : "") << "%" << O->operand(I)->id();
      OS << ")";
    }
    printAttrs(*O, OS);
    OS << " :";
    for (unsigned I = 0; I < O->numResults(); ++I)
      OS << (I ? ", " : " ") << O->result(I)->type().str();
    if (!O->Tag.empty() || O->Layer >= 0 || O->SpecLine) {
      OS << "  #";
      if (O->Layer >= 0)
        OS << " v" << O->Layer;
      if (!O->Tag.empty())
        OS << " " << O->Tag;
      if (O->SpecLine)
        OS << " L" << O->SpecLine;
    }
    OS << "\n";
  }
  if (G.Output)
    OS << "  output %" << G.Output->id() << "\n";
  for (const auto &PG : G.ParamGrads)
    OS << "  grad @" << PG.first->name() << " = %" << PG.second->id() << "\n";
}
