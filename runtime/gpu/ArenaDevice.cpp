//===- runtime/gpu/ArenaDevice.cpp - The four device allocations ----------===//
//
/// \file
/// DeviceArena: one cuMemAlloc per non-empty ArenaClass of an ArenaPlan,
/// address lookup by IR value id, zeroing, and freeing on destruction.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Arena.h"
#include "runtime/gpu/GpuError.h"

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

const char *className(unsigned C) {
  static const char *Names[kNumArenaClasses] = {
      "parameters", "gradients", "optimizer state", "activations"};
  return Names[C];
}

} // namespace

Expected<std::unique_ptr<DeviceArena>>
DeviceArena::allocate(CudaDriver &D, ArenaPlan Plan,
                      ArrayRef<CuDevicePtr> External) {
  std::unique_ptr<DeviceArena> A(new DeviceArena(D, std::move(Plan)));
  for (unsigned C = 0; C < kNumArenaClasses; ++C) {
    uint64_t Bytes = A->P.ClassBytes[C];
    if (C < External.size() && External[C]) {
      A->Bases[C] = External[C];
      continue;
    }
    if (Bytes == 0)
      continue;
    Expected<CuDevicePtr> Ptr = D.memAlloc(Bytes);
    if (!Ptr)
      return withContext(Twine("arena for ") + className(C) + " (" +
                             Twine(Bytes >> 20) + " MiB)",
                         Ptr.takeError());
    A->Bases[C] = *Ptr;
    A->Owned[C] = true;
  }
  return A;
}

DeviceArena::~DeviceArena() {
  for (unsigned C = 0; C < kNumArenaClasses; ++C)
    if (Owned[C])
      consumeError(D.memFree(Bases[C]));
}

Expected<CuDevicePtr> DeviceArena::ptr(unsigned ValueId) const {
  auto It = P.Values.find(ValueId);
  if (It == P.Values.end())
    return gpuError("arena: value %" + Twine(ValueId) +
                    " has no slot "
                    "(hint: it is missing from Plan::Buffers)");
  return base(It->second.Class) + It->second.Offset;
}

CuDevicePtr DeviceArena::optState(unsigned I) const {
  assert(I < P.OptState.size() && "optimizer state slot out of range");
  return base(ArenaClass::OptState) + P.OptState[I].Offset;
}

Error DeviceArena::zero(ArenaClass C, CuStream S) {
  uint64_t Bytes = P.classBytes(C);
  if (Bytes == 0)
    return Error::success();
  return D.memsetD8(base(C), 0, Bytes, S);
}

} // namespace gpu
} // namespace hybc
