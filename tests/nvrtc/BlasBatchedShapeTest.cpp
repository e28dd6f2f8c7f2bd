//===- tests/nvrtc/BlasBatchedShapeTest.cpp - Strided batches, on the CPU -===//
//
/// \file
/// ltBatchedGemmShape: for every transpose combination, evaluating the
/// strided-batched column-major call it describes (BLAS semantics, on the
/// CPU, operands at base + b * stride) on padded row-major slots gives each
/// slot's row-major product and leaves the padding alone; bad batch counts
/// and overlapping output strides are errors; a batch of one is the plain
/// ltGemmShape.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Blas.h"
#include "tests/nvrtc/GpuTestUtil.h"

#include <cmath>
#include <vector>

using namespace hybc;
using namespace hybc::gpu;
using namespace hybc::test;

namespace {

/// Column-major strided-batched BLAS call D_b = op(X_b) op(Y_b).
void batchedColumnMajorCall(const LtGemmShape &S, const std::vector<double> &X,
                            const std::vector<double> &Y,
                            std::vector<double> &D) {
  for (int64_t B = 0; B < S.Batch; ++B) {
    const double *Xb = X.data() + B * S.StrideX;
    const double *Yb = Y.data() + B * S.StrideY;
    double *Db = D.data() + B * S.StrideC;
    for (int64_t I = 0; I < S.M; ++I)
      for (int64_t J = 0; J < S.N; ++J) {
        double Sum = 0;
        for (int64_t P = 0; P < S.K; ++P) {
          double Xv = S.TransX ? Xb[P + I * S.LdX] : Xb[I + P * S.LdX];
          double Yv = S.TransY ? Yb[J + P * S.LdY] : Yb[P + J * S.LdY];
          Sum += Xv * Yv;
        }
        Db[I + J * S.LdC] = Sum;
      }
  }
}

std::vector<double> ramp(size_t N, double Scale) {
  std::vector<double> V(N);
  for (size_t I = 0; I < N; ++I)
    V[I] = std::fmod(double(I) * Scale, 7.0) - 3.0;
  return V;
}

class BlasBatchedShape
    : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(BlasBatchedShape, EverySlotIsItsRowMajorProduct) {
  GemmStep G;
  G.M = 5;
  G.N = 7;
  G.K = 3;
  G.TransA = GetParam().first;
  G.TransB = GetParam().second;
  const int64_t Batch = 3, SA = 16, SB = 24, SC = 40; // padded slots
  llvm::Expected<LtGemmShape> S = ltBatchedGemmShape(G, Batch, SA, SB, SC);
  HYBC_ASSERT_EXPECTED(S);
  EXPECT_EQ(S->Batch, Batch);
  EXPECT_EQ(S->StrideX, SB) << "X is the row-major B";
  EXPECT_EQ(S->StrideY, SA) << "Y is the row-major A";
  EXPECT_EQ(S->StrideC, SC);
  std::vector<double> A = ramp(Batch * SA, 1.37), B = ramp(Batch * SB, 2.11);
  std::vector<double> C(Batch * SC, -99.0);
  batchedColumnMajorCall(*S, B, A, C);
  for (int64_t Bt = 0; Bt < Batch; ++Bt) {
    const double *Ab = A.data() + Bt * SA, *Bb = B.data() + Bt * SB;
    for (int64_t M = 0; M < G.M; ++M)
      for (int64_t N = 0; N < G.N; ++N) {
        double Ref = 0;
        for (int64_t K = 0; K < G.K; ++K)
          Ref += (G.TransA ? Ab[K * G.M + M] : Ab[M * G.K + K]) *
                 (G.TransB ? Bb[N * G.K + K] : Bb[K * G.N + N]);
        EXPECT_DOUBLE_EQ(C[Bt * SC + M * G.N + N], Ref)
            << "slot " << Bt << " (" << M << ", " << N << ")";
      }
    for (int64_t P = G.M * G.N; P < SC; ++P)
      EXPECT_EQ(C[Bt * SC + P], -99.0) << "padding of slot " << Bt;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransposes, BlasBatchedShape,
                         ::testing::Values(std::make_pair(false, false),
                                           std::make_pair(true, false),
                                           std::make_pair(false, true),
                                           std::make_pair(true, true)));

TEST(BlasBatchedShapeErrors, BadBatchesAndStrides) {
  GemmStep G;
  G.M = 4;
  G.N = 8;
  G.K = 2;
  HYBC_EXPECT_ERROR(ltBatchedGemmShape(G, 0, 8, 16, 32).takeError(),
                    "batch count 0");
  HYBC_EXPECT_ERROR(ltBatchedGemmShape(G, 2, 8, 16, 31).takeError(), "M*N = 32",
                    "hint");
  HYBC_EXPECT_ERROR(ltBatchedGemmShape(G, 2, -8, 16, 32).takeError(), "A=-8");
  llvm::Expected<LtGemmShape> Bcast = ltBatchedGemmShape(G, 2, 0, 16, 32);
  HYBC_ASSERT_EXPECTED(Bcast);
  EXPECT_EQ(Bcast->StrideY, 0) << "stride 0 broadcasts A";
  llvm::Expected<LtGemmShape> One = ltBatchedGemmShape(G, 1, 0, 0, 0);
  llvm::Expected<LtGemmShape> Plain = ltGemmShape(G);
  HYBC_ASSERT_EXPECTED(One);
  HYBC_ASSERT_EXPECTED(Plain);
  EXPECT_EQ(One->Batch, 1);
  EXPECT_EQ(One->StrideC, 0);
  EXPECT_EQ(One->LdC, Plain->LdC);
  EXPECT_EQ(One->M, Plain->M);
}

} // namespace
