//===- compiler/driver/CheckCommand.cpp - `hybc check` --------------------===//
//
// Validates a spec and reports its resolved form, layer tables and
// parameter counts, as text or as one JSON object (--json).
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "compiler/passes/Passes.h"
#include "frontend/Frontend.h"
#include "ir/Printer.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <map>

using namespace hybc;
using namespace hybc::ir;

namespace {

const char *kindName(BlockKind K) {
  return K == BlockKind::Mamba3 ? "mamba3" : "attention";
}

std::map<std::string, int64_t> groupCounts(const Model &M) {
  std::map<std::string, int64_t> Counts;
  for (const auto &P : M.Params)
    Counts[optGroupName(P->group()).str()] += P->numel();
  return Counts;
}

llvm::json::Array scheduleJson(const VirtualSchedule &S) {
  llvm::json::Array A;
  for (const VirtualLayer &L : S.Layers)
    A.push_back(L.Physical);
  return A;
}

void printJson(const Model &M, llvm::raw_ostream &OS) {
  llvm::json::Object J;
  J["spec"] = M.S.Path;
  J["params_total"] = M.Params.totalNumel();
  llvm::json::Array Phys, Names;
  for (const LayerParams &L : M.Layers) {
    Phys.push_back(kindName(L.Kind));
    Names.push_back(M.S.Model.Blocks[L.BlockIndex].Name);
  }
  J["physical_layers"] = std::move(Phys);
  J["physical_blocks"] = std::move(Names);
  VirtualSchedule On = unrollRecurrence(M, /*Active=*/true);
  VirtualSchedule Off = unrollRecurrence(M, /*Active=*/false);
  J["virtual_layers"] = scheduleJson(On);
  J["virtual_layers_before_recurrence"] = scheduleJson(Off);
  J["num_encoder_layers"] = On.NumEncoder;
  J["skip_weights"] = M.NumSkipWeights;
  llvm::json::Object Groups;
  for (const auto &KV : groupCounts(M))
    Groups[KV.first] = KV.second;
  J["param_groups"] = std::move(Groups);
  J["num_param_tensors"] = static_cast<int64_t>(M.Params.size());
  OS << llvm::formatv("{0}", llvm::json::Value(std::move(J))) << "\n";
}

void printText(const Model &M, llvm::raw_ostream &OS) {
  printResolvedSpec(M.S, OS);
  OS << "\n# physical layers\n";
  for (size_t I = 0; I < M.Layers.size(); ++I) {
    const LayerParams &L = M.Layers[I];
    int64_t N = 0;
    std::string Prefix = llvm::formatv("blocks.{0}.", I).str();
    for (const auto &P : M.Params)
      if (P->name().startswith(Prefix))
        N += P->numel();
    OS << llvm::formatv("  {0,2}  {1,-9} block {2,-4} {3,10} params\n", I,
                        kindName(L.Kind), M.S.Model.Blocks[L.BlockIndex].Name,
                        N);
  }
  OS << "\n# virtual layers\n";
  if (M.S.Model.Recurrence.Enabled)
    printSchedule(M, unrollRecurrence(M, false), OS);
  printSchedule(M, unrollRecurrence(M, true), OS);
  OS << "\n# parameters by optimizer group\n";
  for (const auto &KV : groupCounts(M))
    OS << llvm::formatv("  {0,-12} {1,12}\n", KV.first, KV.second);
  OS << llvm::formatv("  {0,-12} {1,12}\n", "total", M.Params.totalNumel());
}

} // namespace

llvm::Error hybc::runCheck(llvm::ArrayRef<llvm::StringRef> Args,
                           llvm::raw_ostream &OS) {
  SpecArgs SA;
  std::vector<llvm::StringRef> Rest;
  if (llvm::Error E = parseSpecArgs(Args, SA, Rest))
    return E;
  bool Json = takeFlag(Rest, "--json");
  if (llvm::Error E = rejectRest("check", Rest))
    return E;
  auto M = loadModel(SA);
  if (!M)
    return M.takeError();
  if (Json)
    printJson(**M, OS);
  else
    printText(**M, OS);
  return llvm::Error::success();
}
