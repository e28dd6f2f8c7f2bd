//===- ir/Param.h - Named model parameters ----------------------*- C++ -*-===//
///
/// \file
/// A Param is one trainable tensor with a stable dotted name
/// (`blocks.3.mamba3.in_proj.weight`), its optimizer group, its export quant
/// class and its initialisation rule. The ParamTable owns every Param of a
/// model; graphs refer to them by pointer, so virtual layers produced by
/// depth recurrence share the very same Param objects.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_IR_PARAM_H
#define HYBC_IR_PARAM_H

#include "ir/Types.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace hybc {
namespace ir {

/// Optimizer group, as in the PG scripts.
enum class OptGroup {
  MuonMatrix, ///< 2-D block matrices: Muon.
  AdamEmbed,  ///< Token embedding: Adam at the embed LR.
  AdamHead,   ///< Untied lm_head: Adam at the head LR.
  AdamScalar, ///< Vectors, gains, mixes, biases, skip weights: Adam.
};
llvm::StringRef optGroupName(OptGroup G);

/// How the exporter stores the tensor.
enum class QuantClass {
  Matrix,      ///< GPTQ at export.matrix_bits (int6).
  Embedding,   ///< GPTQ at export.embed_bits (int8).
  Passthrough, ///< Small tensors: kept in fp16/fp32.
};
llvm::StringRef quantClassName(QuantClass Q);

/// Initialisation rule of a parameter.
struct ParamInit {
  enum Kind {
    Zeros,
    Constant,      ///< A = value.
    Normal,        ///< N(0, A).
    Uniform,       ///< U(-A, A) (PyTorch Linear default: A = 1/sqrt(fan_in)).
    Orthogonal,    ///< Orthogonal rows/cols with gain A.
    ResidMix,      ///< Row 0 ones, row 1 zeros.
    DtBias,        ///< Inverse softplus of log-uniform dt in [A, B], floor C.
  } K = Zeros;
  double A = 0, B = 0, C = 0;
};

class Param {
public:
  Param(std::string Name, TensorType Ty, OptGroup G, QuantClass Q,
        ParamInit Init, unsigned Index)
      : Name(std::move(Name)), Ty(std::move(Ty)), Group(G), Quant(Q),
        Init(Init), Index(Index) {}

  llvm::StringRef name() const { return Name; }
  const TensorType &type() const { return Ty; }
  int64_t numel() const { return Ty.numel(); }
  OptGroup group() const { return Group; }
  QuantClass quant() const { return Quant; }
  const ParamInit &init() const { return Init; }
  /// Position in the owning ParamTable (stable, creation order).
  unsigned index() const { return Index; }

private:
  std::string Name;
  TensorType Ty;
  OptGroup Group;
  QuantClass Quant;
  ParamInit Init;
  unsigned Index;
};

/// Owns the parameters of one model, in creation order.
class ParamTable {
public:
  /// Creates a parameter; asserts the name is new.
  Param *create(llvm::StringRef Name, TensorType Ty, OptGroup G,
                QuantClass Q, ParamInit Init);
  /// Null if absent.
  Param *lookup(llvm::StringRef Name) const;
  size_t size() const { return Params.size(); }
  Param *operator[](size_t I) const { return Params[I].get(); }
  int64_t totalNumel() const;
  /// Iteration in creation order.
  auto begin() const { return Params.begin(); }
  auto end() const { return Params.end(); }

private:
  std::vector<std::unique_ptr<Param>> Params;
  llvm::StringMap<Param *> ByName;
};

} // namespace ir
} // namespace hybc

#endif // HYBC_IR_PARAM_H
