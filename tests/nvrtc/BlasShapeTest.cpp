//===- tests/nvrtc/BlasShapeTest.cpp - Row-major GEMM as cuBLASLt sees it -===//
//
/// \file
/// ltGemmShape: for every transpose combination, evaluating the column-major
/// call it describes (with BLAS semantics, on the CPU) on the row-major
/// buffers gives the row-major reference product. This pins the operand swap
/// and leading dimensions that Blas::gemm passes to cuBLASLt.
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

/// Row-major C[M,N] = op(A) op(B) in double.
std::vector<double> rowMajorRef(const GemmStep &G, const std::vector<double> &A,
                                const std::vector<double> &B) {
  std::vector<double> C(G.M * G.N, 0.0);
  for (int64_t M = 0; M < G.M; ++M)
    for (int64_t N = 0; N < G.N; ++N)
      for (int64_t K = 0; K < G.K; ++K) {
        double Av = G.TransA ? A[K * G.M + M] : A[M * G.K + K];
        double Bv = G.TransB ? B[N * G.K + K] : B[K * G.N + N];
        C[M * G.N + N] += Av * Bv;
      }
  return C;
}

/// Column-major BLAS: D = op(X) op(Y) with the stored shapes of \p S.
std::vector<double> columnMajorCall(const LtGemmShape &S,
                                    const std::vector<double> &X,
                                    const std::vector<double> &Y) {
  std::vector<double> D(S.LdC * S.N, 0.0);
  for (int64_t I = 0; I < S.M; ++I)
    for (int64_t J = 0; J < S.N; ++J)
      for (int64_t P = 0; P < S.K; ++P) {
        double Xv = S.TransX ? X[P + I * S.LdX] : X[I + P * S.LdX];
        double Yv = S.TransY ? Y[J + P * S.LdY] : Y[P + J * S.LdY];
        D[I + J * S.LdC] += Xv * Yv;
      }
  return D;
}

class BlasShape : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(BlasShape, ColumnMajorCallEqualsRowMajorProduct) {
  GemmStep G;
  G.M = 5;
  G.N = 7;
  G.K = 3;
  G.TransA = GetParam().first;
  G.TransB = GetParam().second;
  std::vector<double> A(G.M * G.K), B(G.K * G.N);
  for (size_t I = 0; I < A.size(); ++I)
    A[I] = std::sin(1.0 + double(I));
  for (size_t I = 0; I < B.size(); ++I)
    B[I] = std::cos(2.0 + 0.5 * double(I));
  llvm::Expected<LtGemmShape> S = ltGemmShape(G);
  HYBC_ASSERT_EXPECTED(S);
  EXPECT_EQ(S->XRows * S->XCols, G.K * G.N) << "X is B";
  EXPECT_EQ(S->YRows * S->YCols, G.M * G.K) << "Y is A";
  EXPECT_GE(S->LdX, S->XRows);
  EXPECT_GE(S->LdY, S->YRows);
  EXPECT_GE(S->LdC, S->M);
  std::vector<double> Ref = rowMajorRef(G, A, B);
  std::vector<double> Got = columnMajorCall(*S, B, A);
  ASSERT_EQ(Got.size(), Ref.size());
  for (size_t I = 0; I < Ref.size(); ++I)
    EXPECT_NEAR(Got[I], Ref[I], 1e-12) << "element " << I;
}

INSTANTIATE_TEST_SUITE_P(AllTransposes, BlasShape,
                         ::testing::Values(std::make_pair(false, false),
                                           std::make_pair(false, true),
                                           std::make_pair(true, false),
                                           std::make_pair(true, true)));

TEST(BlasShapeErrors, NonPositiveSizes) {
  GemmStep G;
  G.M = 4;
  G.N = 0;
  G.K = 2;
  G.C = 9;
  HYBC_EXPECT_ERROR(ltGemmShape(G).takeError(), "gemm %9", "N=0",
                    "must be positive");
}

} // namespace
