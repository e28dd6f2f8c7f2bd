//===- ir/Param.cpp - Named model parameters ------------------------------===//
//
// ParamTable storage and enum names.
//
//===----------------------------------------------------------------------===//
#include "ir/Param.h"

#include <cassert>

using namespace hybc;
using namespace hybc::ir;

llvm::StringRef ir::optGroupName(OptGroup G) {
  switch (G) {
  case OptGroup::MuonMatrix:
    return "muon_matrix";
  case OptGroup::AdamEmbed:
    return "adam_embed";
  case OptGroup::AdamHead:
    return "adam_head";
  case OptGroup::AdamScalar:
    return "adam_scalar";
  }
  return "?";
}

llvm::StringRef ir::quantClassName(QuantClass Q) {
  switch (Q) {
  case QuantClass::Matrix:
    return "matrix";
  case QuantClass::Embedding:
    return "embedding";
  case QuantClass::Passthrough:
    return "passthrough";
  }
  return "?";
}

Param *ParamTable::create(llvm::StringRef Name, TensorType Ty, OptGroup G,
                          QuantClass Q, ParamInit Init) {
  assert(!ByName.count(Name) && "duplicate parameter name");
  Params.push_back(std::make_unique<Param>(Name.str(), std::move(Ty), G, Q,
                                           Init, Params.size()));
  ByName[Name] = Params.back().get();
  return Params.back().get();
}

Param *ParamTable::lookup(llvm::StringRef Name) const {
  auto It = ByName.find(Name);
  return It == ByName.end() ? nullptr : It->second;
}

int64_t ParamTable::totalNumel() const {
  int64_t N = 0;
  for (const auto &P : Params)
    N += P->numel();
  return N;
}
