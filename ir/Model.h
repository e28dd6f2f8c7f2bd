//===- ir/Model.h - Physical layers, virtual schedule, parameters -*- C++ -*-=//
///
/// \file
/// The model-level IR: the resolved spec, the parameter table, the physical
/// layers with their parameter roles, and the virtual layer schedule that
/// depth recurrence unrolls to. Virtual layers name a physical layer; two
/// virtual layers of one physical layer use the same Param objects.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_IR_MODEL_H
#define HYBC_IR_MODEL_H

#include "frontend/Spec.h"
#include "ir/Param.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace hybc {
namespace ir {

/// Parameters of one physical layer, by role. Unused roles are null.
struct LayerParams {
  BlockKind Kind = BlockKind::Attention;
  int BlockIndex = 0; ///< Into Spec.Model.Blocks.
  Param *ResidMix = nullptr, *MixerScale = nullptr, *MlpScale = nullptr;
  // Attention.
  Param *Wq = nullptr, *Wk = nullptr, *Wv = nullptr, *Wo = nullptr;
  Param *QGain = nullptr;
  // Mamba-3.
  Param *InProj = nullptr, *OutProj = nullptr, *DtBias = nullptr;
  Param *BBias = nullptr, *CBias = nullptr, *BNorm = nullptr;
  Param *CNorm = nullptr, *D = nullptr, *OutNorm = nullptr;
  // MLP.
  Param *Fc = nullptr, *Proj = nullptr;
};

/// Model-level parameters outside the blocks.
struct GlobalParams {
  Param *TokEmb = nullptr, *LmHead = nullptr;
  Param *BigramTable = nullptr, *BigramProj = nullptr;
  Param *SmearGate = nullptr;
  Param *SkipWeights = nullptr; ///< (n, d_model); null if no skips.
};

/// One step of the unrolled layer sequence.
struct VirtualLayer {
  int Physical = 0; ///< Index into Model::Layers.
  int Repeat = 0;   ///< 0 for the first use of a physical layer, then 1, 2...
  bool Decoder = false;
  /// Decoder only: skip weight row added before the block (-1: none), and
  /// whether a skip is popped (and dropped when SkipWeight is -1).
  int SkipWeight = -1;
  bool PopsSkip = false;
};

/// A virtual schedule: the layer sequence for one recurrence state.
struct VirtualSchedule {
  bool RecurrenceActive = false;
  std::vector<VirtualLayer> Layers;
  int NumEncoder = 0; ///< Encoder layers push their output on the skip stack.
};

class Model {
public:
  Spec S;
  ParamTable Params;
  GlobalParams Globals;
  std::vector<LayerParams> Layers; ///< Physical layers.
  int NumSkipWeights = 0;
};

/// Creates every parameter of the spec with its name, group, quant class and
/// init. Example: baseline_gpt.hyb gives 9 attention layers and 17,059,912
/// parameter elements. Fails only on specs sema should have rejected.
llvm::Expected<std::unique_ptr<Model>> buildModel(const Spec &S);

} // namespace ir
} // namespace hybc

#endif // HYBC_IR_MODEL_H
