//===- runtime/gpu/Blas.h - GEMM steps through cuBLASLt ---------*- C++ -*-===//
//
/// \file
/// Runs a Plan's GemmStep (row-major C = op(A) * op(B), optionally C += ...)
/// with cuBLASLt. cuBLASLt is column-major, so the row-major product is
/// issued as the column-major C^T = op(B)^T * op(A)^T: B is cuBLAS's first
/// operand, A its second (ltGemmShape, testable without a GPU).
///
/// Precision (a documented choice): the Plan keeps fp32 buffers, so fp32
/// GEMMs run with CUBLAS_COMPUTE_32F_FAST_16BF by default: cuBLASLt rounds
/// the fp32 inputs to bf16 for the tensor cores and accumulates in fp32,
/// which is the bf16-compute / fp32-accumulate contract of GemmStep (relative
/// error ~1e-3..1e-2, like PyTorch autocast bf16). Tf32Fast
/// (CUBLAS_COMPUTE_32F_FAST_TF32, ~1e-3) and Fp32 (exact CUBLAS_COMPUTE_32F,
/// no tensor cores) exist for checks. bf16 A and B (with f32 or bf16 C) use
/// CUBLAS_COMPUTE_32F. cuBLAS needs the driver at run time: everything here
/// compiles everywhere but only runs on a GPU.
///
/// Example:
/// \code
///   auto B = Blas::create(*Driver);
///   if (!B) return B.takeError();
///   if (llvm::Error E = (*B)->gemm(Step.G, PtrA, PtrB, PtrC, Stream))
///     return E;
///   // 18 products of 512x512 slots 262144 floats apart:
///   E = (*B)->gemmBatched(G, 18, 262144, 262144, 262144, PA, PB, PC, S);
/// \endcode
//
//===----------------------------------------------------------------------===//

#ifndef HYBC_RUNTIME_GPU_BLAS_H
#define HYBC_RUNTIME_GPU_BLAS_H

#include "codegen/Plan.h"
#include "runtime/gpu/CudaDriver.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>

namespace hybc {
namespace gpu {

/// How fp32 GEMMs compute (see the file comment).
enum class GemmPrecision { Bf16Fast, Tf32Fast, Fp32 };

/// Element types of the three operands ("f32" or "bf16").
struct GemmTypes {
  llvm::StringRef A = "f32", B = "f32", C = "f32";
};

/// A row-major GemmStep as the column-major call D = op(X) * op(Y), X = B,
/// Y = A, with the stored (pre-op) shape of each operand.
struct LtGemmShape {
  int64_t M = 0, N = 0, K = 0; ///< Column-major sizes: M = step.N, N = step.M.
  bool TransX = false, TransY = false;
  int64_t XRows = 0, XCols = 0, LdX = 0;
  int64_t YRows = 0, YCols = 0, LdY = 0;
  int64_t LdC = 0; ///< C viewed column-major: step.N rows, step.M columns.
  /// Strided batch: Batch products, operand I of entry b at base + b *
  /// StrideI elements (X = B, Y = A as above). Batch 1: plain GEMM.
  int64_t Batch = 1;
  int64_t StrideX = 0, StrideY = 0, StrideC = 0;
};

/// The column-major form of \p G (error for non-positive sizes).
llvm::Expected<LtGemmShape> ltGemmShape(const GemmStep &G);

/// ltGemmShape of \p G repeated \p Batch times with element strides
/// (StrideA/StrideB may be 0 to broadcast one operand; StrideC must keep the
/// outputs apart: >= M*N). Error for Batch < 1 or bad strides.
llvm::Expected<LtGemmShape> ltBatchedGemmShape(const GemmStep &G, int64_t Batch,
                                               int64_t StrideA, int64_t StrideB,
                                               int64_t StrideC);

/// A cuBLASLt handle, its workspace and per-shape algorithm choices.
class Blas {
public:
  static constexpr uint64_t kDefaultWorkspace = 32ull << 20;

  /// Creates the handle in \p D's (primary) context and allocates the
  /// workspace.
  static llvm::Expected<std::unique_ptr<Blas>>
  create(CudaDriver &D, GemmPrecision P = GemmPrecision::Bf16Fast,
         uint64_t WorkspaceBytes = kDefaultWorkspace);
  ~Blas();
  Blas(const Blas &) = delete;
  Blas &operator=(const Blas &) = delete;

  /// C = op(A) op(B) (or C += ... when G.Accumulate) on stream \p S. The
  /// first call for a shape picks an algorithm (cuBLASLt heuristic) and
  /// keeps it.
  llvm::Error gemm(const GemmStep &G, CuDevicePtr A, CuDevicePtr B,
                   CuDevicePtr C, CuStream S, GemmTypes T = GemmTypes());
  /// \p Batch independent products C_b = op(A_b) op(B_b) in one strided
  /// batched cuBLASLt call; X_b = X + b * StrideX elements. Algorithms are
  /// cached per (shape, batch, strides, types).
  llvm::Error gemmBatched(const GemmStep &G, int64_t Batch, int64_t StrideA,
                          int64_t StrideB, int64_t StrideC, CuDevicePtr A,
                          CuDevicePtr B, CuDevicePtr C, CuStream S,
                          GemmTypes T = GemmTypes());

  GemmPrecision precision() const;
  /// cuBLASLt's version number (e.g. 130000).
  static size_t libraryVersion();

  struct Impl;

private:
  explicit Blas(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_BLAS_H
