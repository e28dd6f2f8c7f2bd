//===- codegen/KernelSpec.h - One generated kernel --------------*- C++ -*-===//
///
/// \file
/// The contract between codegen (which writes CUDA C++ source) and the GPU
/// runtime (which compiles it with NVRTC, loads it through the Driver API
/// and launches it). A KernelSpec is fully shape-specialized: every size is
/// a constexpr in the source, so the launch needs only the buffer pointers
/// (and, for a few kernels, scalar arguments such as an LR multiplier).
///
/// Naming: `hybc_<op>_<fwd|bwd>_<shape-sig>` (e.g.
/// `hybc_rms_norm_fwd_r4096_d512`); the same spec always yields the same
/// name and byte-identical source.
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_KERNELSPEC_H
#define HYBC_CODEGEN_KERNELSPEC_H

#include <cstdint>
#include <string>
#include <vector>

namespace hybc {

/// One kernel parameter, in ABI order.
struct KernelArg {
  enum Kind { Buffer, I64, F32, F64 } K = Buffer;
  std::string Name;     ///< Parameter name in the source.
  std::string CType;    ///< e.g. "const float *", "__nv_bfloat16 *", "float".
  bool Output = false;  ///< Written by the kernel (buffers only).
  int64_t Elements = 0; ///< Buffer size in elements (buffers only).
  unsigned ValueId = 0; ///< IR value the buffer holds (buffers only).
  /// A scratch buffer: allocated by the runtime per Name (Plan::Scratch),
  /// ValueId unused. Needed because value id 0 is a real value (the ids
  /// input); lowerToKernels also sets it for args with ValueId 0 of the
  /// attention / Mamba-3 emitters (their ops never read %0).
  bool Scratch = false;
};

/// "buffer", "i64", "f32" or "f64".
inline const char *kernelArgKindName(KernelArg::Kind K) {
  switch (K) {
  case KernelArg::Buffer:
    return "buffer";
  case KernelArg::I64:
    return "i64";
  case KernelArg::F32:
    return "f32";
  case KernelArg::F64:
    return "f64";
  }
  return "?";
}

struct KernelSpec {
  std::string Name;   ///< Deterministic, unique in a module.
  std::string Source; ///< Complete CUDA C++ (extern "C" __global__ Name).
  std::string Family; ///< Emitter family, e.g. "elementwise", "attention".
  unsigned Grid[3] = {1, 1, 1};
  unsigned Block[3] = {1, 1, 1};
  unsigned SharedBytes = 0; ///< Dynamic shared memory.
  std::vector<KernelArg> Args;
  std::vector<std::string> FusedOps; ///< IR ops in the kernel ("%12 = ...").
  std::vector<unsigned> SpecLines;   ///< .hyb lines the ops came from.
};

} // namespace hybc

#endif // HYBC_CODEGEN_KERNELSPEC_H
