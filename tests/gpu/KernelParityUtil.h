//===- tests/gpu/KernelParityUtil.h - Run emitted kernels on the GPU -*- C++
//-*-===//
///
/// \file
/// Test helper for the kernel parity tests: runs a list of KernelSpecs on
/// the device the way the runtime will (GpuModule compile + load with the
/// shared-memory opt-in, launches in order), binding buffers by IR value id
/// to host vectors (uploaded first, outputs downloaded after the last
/// launch) and scratch buffers by name (NaN-filled, so reads of unwritten
/// scratch show up in the results). Plus fp64 comparison metrics.
///
/// Example:
///   SpecRunner R(*Driver);
///   R.bind(Q->id(), Qh);  R.bind(O->id(), Oh);
///   HYBC_ASSERT_OK(R.run(Specs));
///   EXPECT_LT(relL2(Oh, Oref), 1e-4);
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_TESTS_GPU_KERNELPARITYUTIL_H
#define HYBC_TESTS_GPU_KERNELPARITYUTIL_H

#include "runtime/gpu/GpuModule.h"
#include "tests/gpu/GpuFixture.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hybc {
namespace test {

/// Relative L2 error of \p Got against the fp64 reference \p Ref.
inline double relL2(const std::vector<float> &Got,
                    const std::vector<double> &Ref) {
  double Num = 0, Den = 0;
  for (size_t I = 0; I < Ref.size(); ++I) {
    double D = double(Got[I]) - Ref[I];
    Num += D * D;
    Den += Ref[I] * Ref[I];
  }
  return std::sqrt(Num / std::max(Den, 1e-300));
}

/// Runs KernelSpecs on the current device.
class SpecRunner {
public:
  explicit SpecRunner(gpu::CudaDriver &D) : D(D) {}

  /// Binds value \p Id to \p Host (kept by pointer; must outlive run()).
  void bind(unsigned Id, std::vector<float> &Host) { Values[Id] = &Host; }
  /// Scalar arguments, in the order they appear across the specs.
  std::vector<gpu::LaunchArg> Scalars;

  /// Compiles, loads and launches \p Specs in order, then downloads every
  /// bound value some spec writes.
  llvm::Error run(llvm::ArrayRef<KernelSpec> Specs) {
    gpu::NvrtcOptions O;
    O.Arch =
        gpu::archForComputeCapability(D.device().CcMajor, D.device().CcMinor);
    gpu::KernelCacheConfig CC;
    CC.Dir = Dir.path("cache");
    gpu::KernelCache Cache(CC);
    auto M = gpu::GpuModule::build(D, Cache, Specs, O);
    if (!M)
      return M.takeError();
    size_t NextScalar = 0;
    for (size_t I = 0; I < Specs.size(); ++I) {
      std::vector<gpu::LaunchArg> Args;
      for (const KernelArg &A : Specs[I].Args) {
        if (A.K != KernelArg::Buffer) {
          Args.push_back(Scalars.at(NextScalar++));
          continue;
        }
        llvm::Expected<gpu::CuDevicePtr> P = buffer(A);
        if (!P)
          return P.takeError();
        Args.push_back(gpu::LaunchArg::buffer(*P));
      }
      if (llvm::Error E = (*M)->kernel(I).launch(Specs[I], Args, nullptr))
        return E;
    }
    if (llvm::Error E = D.ctxSynchronize())
      return E;
    for (const KernelSpec &K : Specs)
      for (const KernelArg &A : K.Args)
        if (A.K == KernelArg::Buffer && A.Output && !A.Scratch)
          if (llvm::Error E =
                  Device.at(A.ValueId)->download(*Values[A.ValueId]))
            return E;
    return llvm::Error::success();
  }

private:
  /// Device memory of one host vector.
  struct Buf {
    std::unique_ptr<DeviceFloats> Mem;
    llvm::Error download(std::vector<float> &Host) {
      llvm::Expected<std::vector<float>> V = Mem->download();
      if (!V)
        return V.takeError();
      Host = std::move(*V);
      return llvm::Error::success();
    }
  };

  llvm::Expected<gpu::CuDevicePtr> buffer(const KernelArg &A) {
    if (A.Scratch) {
      auto &B = Scratch[A.Name];
      if (!B.Mem) {
        B.Mem = std::make_unique<DeviceFloats>(D, size_t(A.Elements));
        std::vector<float> Nan(A.Elements,
                               std::numeric_limits<float>::quiet_NaN());
        if (llvm::Error E = B.Mem->upload(Nan))
          return E;
      }
      return B.Mem->ptr();
    }
    auto It = Values.find(A.ValueId);
    if (It == Values.end())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "parity test: value %" +
                                         std::to_string(A.ValueId) + " (" +
                                         A.Name + ") is not bound");
    auto &B = Device[A.ValueId];
    if (!B) {
      It->second->resize(A.Elements, std::numeric_limits<float>::quiet_NaN());
      B = std::make_unique<Buf>();
      B->Mem = std::make_unique<DeviceFloats>(D, size_t(A.Elements));
      if (llvm::Error E = B->Mem->upload(*It->second))
        return E;
    }
    return B->Mem->ptr();
  }

  gpu::CudaDriver &D;
  TempDir Dir;
  std::map<unsigned, std::vector<float> *> Values;
  std::map<unsigned, std::unique_ptr<Buf>> Device;
  std::map<std::string, Buf> Scratch;
};

} // namespace test
} // namespace hybc

#endif // HYBC_TESTS_GPU_KERNELPARITYUTIL_H
