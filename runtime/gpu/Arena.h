//===- runtime/gpu/Arena.h - Device memory plan and arenas ------*- C++ -*-===//
//
/// \file
/// Every buffer of a Plan gets an offset in one of four device allocations:
/// parameters, gradients, optimizer state and activations (step inputs
/// included). Offsets are 256-byte aligned. Alias steps make a value share
/// its source's slot. With ReuseActivations, activations whose lifetimes
/// (first to last step that touches them) do not overlap share memory
/// (greedy first fit, largest first); inputs, the loss, the results of
/// PerUpdate steps (weight copies kept across micro-batches) and untouched
/// activations live for the whole step.
///
/// Example:
/// \code
///   ArenaOptions AO;
///   AO.OptStateBytes = {4 * N, 4 * N}; // Adam m and v of one N-float param
///   llvm::Expected<ArenaPlan> AP = planArena(Plan, AO);
///   if (!AP) return AP.takeError();
///   auto A = DeviceArena::allocate(*Driver, std::move(*AP));
///   llvm::Expected<CuDevicePtr> X = (*A)->ptr(Plan.LossValue);
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_ARENA_H
#define HYBC_RUNTIME_GPU_ARENA_H

#include "codegen/Plan.h"
#include "runtime/gpu/CudaDriver.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cassert>
#include <cstdint>
#include <memory>

namespace hybc {
namespace gpu {

/// The four device allocations.
enum class ArenaClass : unsigned { Params, Grads, OptState, Activations };
constexpr unsigned kNumArenaClasses = 4;

/// Alignment of every slot (cuBLASLt and vector loads want >= 16).
constexpr uint64_t kArenaAlignment = 256;

/// Where one buffer lives.
struct ArenaSlot {
  ArenaClass Class = ArenaClass::Activations;
  uint64_t Offset = 0; ///< Bytes from the class base, kArenaAlignment-aligned.
  uint64_t Bytes = 0;  ///< Unrounded size.
};

struct ArenaOptions {
  bool ReuseActivations = true;
  std::vector<uint64_t> OptStateBytes; ///< One slot each, in order.
  /// Device-resident parameters: when non-empty, parameter i and its
  /// gradient sit at ParamOffsets[i] bytes (by PlanBuffer::ParamIndex) in
  /// ParamBytes-sized Params / Grads classes that the caller allocates once
  /// for every plan (DeviceArena::allocate's External bases).
  std::vector<uint64_t> ParamOffsets;
  uint64_t ParamBytes = 0;
};

/// Sizes of the four allocations and every value's slot.
struct ArenaPlan {
  uint64_t ClassBytes[kNumArenaClasses] = {0, 0, 0, 0};
  llvm::DenseMap<unsigned, ArenaSlot> Values; ///< By IR value id.
  std::vector<ArenaSlot> OptState;            ///< ArenaOptions order.
  uint64_t ActivationBytesNoReuse = 0;        ///< For reports.

  uint64_t classBytes(ArenaClass C) const {
    return ClassBytes[static_cast<unsigned>(C)];
  }
};

/// Bytes per element of a PlanBuffer dtype: f32, bf16, f16, f64, i32, i64,
/// u16, u8 (error otherwise).
llvm::Expected<unsigned> dtypeBytes(llvm::StringRef DType);

/// The IR value ids a step touches (kernel buffer args, GEMM operands,
/// alias ends), in argument order.
void valuesOfStep(const Plan &P, const PlanStep &S,
                  llvm::SmallVectorImpl<unsigned> &Out);

/// Plans the four allocations for \p P. Errors name the buffer or step:
/// duplicate buffers, unknown dtypes, steps using a value with no buffer.
llvm::Expected<ArenaPlan> planArena(const Plan &P, const ArenaOptions &O);

/// The device allocations of an ArenaPlan (one cuMemAlloc per non-empty
/// class, freed on destruction).
class DeviceArena {
public:
  /// \p External[c], when given and non-zero, is the base of class c,
  /// owned by the caller (resident parameters and gradients).
  static llvm::Expected<std::unique_ptr<DeviceArena>>
  allocate(CudaDriver &D, ArenaPlan Plan,
           llvm::ArrayRef<CuDevicePtr> External = {});
  ~DeviceArena();
  DeviceArena(const DeviceArena &) = delete;
  DeviceArena &operator=(const DeviceArena &) = delete;

  /// Device address of IR value \p ValueId (error if it has no slot).
  llvm::Expected<CuDevicePtr> ptr(unsigned ValueId) const;
  /// Device address of optimizer-state slot \p I.
  CuDevicePtr optState(unsigned I) const;
  CuDevicePtr base(ArenaClass C) const {
    return Bases[static_cast<unsigned>(C)];
  }
  /// Points class \p C at caller-owned memory (a shared buffer that moved).
  void rebase(ArenaClass C, CuDevicePtr Base) {
    assert(!Owned[static_cast<unsigned>(C)] && "rebasing an owned class");
    Bases[static_cast<unsigned>(C)] = Base;
  }
  /// Sets a whole class to zero bytes (e.g. gradients before a step).
  llvm::Error zero(ArenaClass C, CuStream S = nullptr);
  const ArenaPlan &plan() const { return P; }

private:
  DeviceArena(CudaDriver &D, ArenaPlan P) : D(D), P(std::move(P)) {}

  CudaDriver &D;
  ArenaPlan P;
  CuDevicePtr Bases[kNumArenaClasses] = {0, 0, 0, 0};
  bool Owned[kNumArenaClasses] = {false, false, false, false};
};

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_ARENA_H
