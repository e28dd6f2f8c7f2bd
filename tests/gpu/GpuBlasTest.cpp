//===- tests/gpu/GpuBlasTest.cpp - cuBLASLt GEMM against the CPU ----------===//
//
/// \file
/// Blas::gemm for every transpose combination, with and without
/// accumulation, against an fp64 CPU reference: relative L2 error <= 1e-2
/// in the default bf16-compute mode, <= 5e-3 for TF32, <= 1e-5 exact fp32;
/// bf16 operands; an unaligned shape.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Blas.h"
#include "tests/gpu/GpuFixture.h"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

/// C0 (+ if accumulating) op(A) op(B), row-major, in double.
std::vector<double> reference(const GemmStep &G, const std::vector<float> &A,
                              const std::vector<float> &B,
                              const std::vector<float> &C0) {
  std::vector<double> C(G.M * G.N);
  for (int64_t M = 0; M < G.M; ++M)
    for (int64_t N = 0; N < G.N; ++N) {
      double S = G.Accumulate ? C0[M * G.N + N] : 0.0;
      for (int64_t K = 0; K < G.K; ++K)
        S += double(G.TransA ? A[K * G.M + M] : A[M * G.K + K]) *
             double(G.TransB ? B[N * G.K + K] : B[K * G.N + N]);
      C[M * G.N + N] = S;
    }
  return C;
}

double relL2(const std::vector<float> &Got, const std::vector<double> &Ref) {
  double Num = 0, Den = 0;
  for (size_t I = 0; I < Ref.size(); ++I) {
    Num += (Got[I] - Ref[I]) * (Got[I] - Ref[I]);
    Den += Ref[I] * Ref[I];
  }
  return std::sqrt(Num / std::max(Den, 1e-30));
}

/// Runs one fp32 GEMM on the device and returns its relative L2 error.
double runGemm(CudaDriver &D, GemmPrecision P, const GemmStep &G) {
  std::vector<float> A = pattern(G.M * G.K, 11), B = pattern(G.K * G.N, 12),
                     C0 = pattern(G.M * G.N, 13);
  DeviceFloats DA(D, A.size()), DB(D, B.size()), DC(D, C0.size());
  EXPECT_EQ(errorText(DA.upload(A)), "");
  EXPECT_EQ(errorText(DB.upload(B)), "");
  EXPECT_EQ(errorText(DC.upload(C0)), "");
  llvm::Expected<std::unique_ptr<Blas>> L = Blas::create(D, P);
  EXPECT_TRUE(static_cast<bool>(L)) << llvm::toString(L.takeError());
  if (!L)
    return 1e9;
  EXPECT_EQ(errorText((*L)->gemm(G, DA.ptr(), DB.ptr(), DC.ptr(), nullptr)),
            "");
  // A second call reuses the cached algorithm.
  if (!G.Accumulate) {
    EXPECT_EQ(errorText((*L)->gemm(G, DA.ptr(), DB.ptr(), DC.ptr(), nullptr)),
              "");
  }
  EXPECT_EQ(errorText(D.ctxSynchronize()), "");
  llvm::Expected<std::vector<float>> Out = DC.download();
  EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  return Out ? relL2(*Out, reference(G, A, B, C0)) : 1e9;
}

class GpuGemm
    : public GpuTest,
      public ::testing::WithParamInterface<std::tuple<bool, bool, bool>> {};

TEST_P(GpuGemm, MatchesCpuReference) {
  GemmStep G;
  G.M = 96;
  G.N = 80;
  G.K = 192;
  std::tie(G.TransA, G.TransB, G.Accumulate) = GetParam();
  EXPECT_LE(runGemm(*Driver, GemmPrecision::Bf16Fast, G), 1e-2);
  EXPECT_LE(runGemm(*Driver, GemmPrecision::Tf32Fast, G), 5e-3);
  EXPECT_LE(runGemm(*Driver, GemmPrecision::Fp32, G), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(TransposesAndAccumulate, GpuGemm,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Bool()));

using GpuGemmShapes = GpuTest;

TEST_F(GpuGemmShapes, UnalignedShape) {
  GemmStep G;
  G.M = 17;
  G.N = 33;
  G.K = 9;
  EXPECT_LE(runGemm(*Driver, GemmPrecision::Fp32, G), 1e-5);
  EXPECT_LE(runGemm(*Driver, GemmPrecision::Bf16Fast, G), 1e-2);
}

uint16_t toBf16(float F) {
  uint32_t U;
  std::memcpy(&U, &F, 4);
  U += 0x7fffu + ((U >> 16) & 1u);
  return uint16_t(U >> 16);
}

float fromBf16(uint16_t H) {
  uint32_t U = uint32_t(H) << 16;
  float F;
  std::memcpy(&F, &U, 4);
  return F;
}

TEST_F(GpuGemmShapes, Bf16OperandsWithFp32Output) {
  GemmStep G;
  G.M = 64;
  G.N = 128;
  G.K = 256;
  G.TransB = true;
  std::vector<float> A = pattern(G.M * G.K, 21), B = pattern(G.K * G.N, 22);
  std::vector<uint16_t> HA(A.size()), HB(B.size());
  for (size_t I = 0; I < A.size(); ++I)
    A[I] = fromBf16(HA[I] = toBf16(A[I]));
  for (size_t I = 0; I < B.size(); ++I)
    B[I] = fromBf16(HB[I] = toBf16(B[I]));
  llvm::Expected<CuDevicePtr> DA = Driver->memAlloc(HA.size() * 2),
                              DB = Driver->memAlloc(HB.size() * 2);
  HYBC_ASSERT_EXPECTED(DA);
  HYBC_ASSERT_EXPECTED(DB);
  DeviceFloats DC(*Driver, G.M * G.N);
  HYBC_ASSERT_OK(Driver->memcpyHtoD(*DA, HA.data(), HA.size() * 2));
  HYBC_ASSERT_OK(Driver->memcpyHtoD(*DB, HB.data(), HB.size() * 2));
  llvm::Expected<std::unique_ptr<Blas>> L = Blas::create(*Driver);
  HYBC_ASSERT_EXPECTED(L);
  GemmTypes T;
  T.A = "bf16";
  T.B = "bf16";
  HYBC_ASSERT_OK((*L)->gemm(G, *DA, *DB, DC.ptr(), nullptr, T));
  llvm::Expected<std::vector<float>> Out = DC.download();
  HYBC_ASSERT_EXPECTED(Out);
  EXPECT_LE(relL2(*Out, reference(G, A, B, {})), 1e-5);
  T.B = "f32";
  HYBC_EXPECT_ERROR((*L)->gemm(G, *DA, *DB, DC.ptr(), nullptr, T),
                    "A is bf16 but B is f32");
  HYBC_ASSERT_OK(Driver->memFree(*DA));
  HYBC_ASSERT_OK(Driver->memFree(*DB));
}

} // namespace
