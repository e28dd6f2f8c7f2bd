//===- runtime/gpu/Blas.cpp - GEMM steps through cuBLASLt -----------------===//
//
/// \file
/// ltGemmShape (row-major step -> column-major cuBLASLt operands) and Blas:
/// handle, workspace, a cache of descriptors and heuristic algorithms per
/// (shape, transposes, types, batch and strides), and cublasLtMatmul with
/// checked statuses. A plain gemm is a batch of one.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Blas.h"
#include "runtime/gpu/GpuError.h"
#include "runtime/gpu/GpuOptions.h"

#include "llvm/Support/raw_ostream.h"

#include <cublasLt.h>

#include <cassert>
#include <cstdint>
#include <map>
#include <tuple>

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

Error checkLt(cublasStatus_t S, const char *Call, const char *File, int Line) {
  if (S == CUBLAS_STATUS_SUCCESS)
    return Error::success();
  return gpuError(
      Twine(Call) + " failed at " + File + ":" + Twine(Line) + ": " +
      cublasLtGetStatusName(S) + ": " + cublasLtGetStatusString(S) +
      " (hint: check the GEMM shape, operand types and that "
      "cuBLAS matches the driver; HYBC_DEBUG=3 prints each choice)");
}

#define HYBC_CUBLAS(Call) checkLt((Call), #Call, __FILE__, __LINE__)

Expected<cudaDataType_t> dataType(StringRef DType, StringRef Operand) {
  if (DType == "f32")
    return CUDA_R_32F;
  if (DType == "bf16")
    return CUDA_R_16BF;
  return gpuError("gemm operand " + Operand + " has dtype '" + DType +
                  "'; cuBLASLt steps take f32 or bf16 (hint: a lowering bug)");
}

cublasComputeType_t computeType(GemmPrecision P, bool Bf16Inputs) {
  if (Bf16Inputs || P == GemmPrecision::Fp32)
    return CUBLAS_COMPUTE_32F;
  return P == GemmPrecision::Bf16Fast ? CUBLAS_COMPUTE_32F_FAST_16BF
                                      : CUBLAS_COMPUTE_32F_FAST_TF32;
}

/// Descriptors and algorithm for one (shape, transposes, types).
struct LtPlan {
  cublasLtMatmulDesc_t Desc = nullptr;
  cublasLtMatrixLayout_t X = nullptr, Y = nullptr, C = nullptr;
  cublasLtMatmulHeuristicResult_t Algo = {};
};

using PlanKey = std::tuple<int64_t, int64_t, int64_t, bool, bool, int, int, int,
                           int64_t, int64_t, int64_t, int64_t>;

/// Sets the strided-batch attributes of \p L (nothing for one product).
Error setBatch(cublasLtMatrixLayout_t L, int64_t Batch, int64_t Stride) {
  if (Batch == 1)
    return Error::success();
  int32_t Count = static_cast<int32_t>(Batch);
  if (Error E = HYBC_CUBLAS(cublasLtMatrixLayoutSetAttribute(
          L, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &Count, sizeof(Count))))
    return E;
  return HYBC_CUBLAS(cublasLtMatrixLayoutSetAttribute(
      L, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &Stride, sizeof(Stride)));
}

/// The three operand layouts of \p S (batched when S.Batch > 1).
Error makeLayouts(const LtGemmShape &S, cudaDataType_t TA, cudaDataType_t TB,
                  cudaDataType_t TC, LtPlan &P) {
  if (Error E = HYBC_CUBLAS(
          cublasLtMatrixLayoutCreate(&P.X, TB, S.XRows, S.XCols, S.LdX)))
    return E;
  if (Error E = HYBC_CUBLAS(
          cublasLtMatrixLayoutCreate(&P.Y, TA, S.YRows, S.YCols, S.LdY)))
    return E;
  if (Error E =
          HYBC_CUBLAS(cublasLtMatrixLayoutCreate(&P.C, TC, S.M, S.N, S.LdC)))
    return E;
  if (Error E = setBatch(P.X, S.Batch, S.StrideX))
    return E;
  if (Error E = setBatch(P.Y, S.Batch, S.StrideY))
    return E;
  return setBatch(P.C, S.Batch, S.StrideC);
}

} // namespace

Expected<LtGemmShape> ltGemmShape(const GemmStep &G) {
  if (G.M <= 0 || G.N <= 0 || G.K <= 0)
    return gpuError("gemm %" + Twine(G.C) + " = %" + Twine(G.A) + " x %" +
                    Twine(G.B) + ": sizes M=" + Twine(G.M) + " N=" +
                    Twine(G.N) + " K=" + Twine(G.K) + " must be positive");
  LtGemmShape S;
  S.M = G.N;
  S.N = G.M;
  S.K = G.K;
  // X = B: row-major [K,N] (or [N,K] when transposed) seen column-major.
  S.TransX = G.TransB;
  S.XRows = G.TransB ? G.K : G.N;
  S.XCols = G.TransB ? G.N : G.K;
  S.LdX = S.XRows;
  // Y = A: row-major [M,K] (or [K,M] when transposed) seen column-major.
  S.TransY = G.TransA;
  S.YRows = G.TransA ? G.M : G.K;
  S.YCols = G.TransA ? G.K : G.M;
  S.LdY = S.YRows;
  S.LdC = G.N;
  return S;
}

Expected<LtGemmShape> ltBatchedGemmShape(const GemmStep &G, int64_t Batch,
                                         int64_t StrideA, int64_t StrideB,
                                         int64_t StrideC) {
  Expected<LtGemmShape> S = ltGemmShape(G);
  if (!S)
    return S.takeError();
  if (Batch < 1 || Batch > INT32_MAX)
    return gpuError("batched gemm %" + Twine(G.C) + ": batch count " +
                    Twine(Batch) + " must be in [1, 2^31) (hint: split it)");
  if (Batch > 1 && (StrideA < 0 || StrideB < 0 || StrideC < G.M * G.N))
    return gpuError("batched gemm %" + Twine(G.C) +
                    ": strides A=" + Twine(StrideA) + " B=" + Twine(StrideB) +
                    " C=" + Twine(StrideC) +
                    " elements; C needs >= M*N = " + Twine(G.M * G.N) +
                    " so outputs do not overlap and A, B >= 0 (hint: 0 "
                    "broadcasts an operand)");
  S->Batch = Batch;
  S->StrideX = Batch > 1 ? StrideB : 0;
  S->StrideY = Batch > 1 ? StrideA : 0;
  S->StrideC = Batch > 1 ? StrideC : 0;
  return S;
}

struct Blas::Impl {
  CudaDriver &D;
  GemmPrecision Precision;
  unsigned DebugLevel = 0;
  bool Autotune = true; ///< HYBC_GEMM_AUTOTUNE.
  cublasLtHandle_t Handle = nullptr;
  CuDevicePtr Workspace = 0;
  uint64_t WorkspaceBytes = 0;
  std::map<PlanKey, LtPlan> Plans;

  Impl(CudaDriver &D, GemmPrecision P) : D(D), Precision(P) {}
  ~Impl();
  /// The operands of the call that creates a plan (unless it accumulates,
  /// its algorithm is timed on them, writing C).
  struct Operands {
    CuDevicePtr A = 0, B = 0, C = 0;
    bool Accumulate = false;
    CuStream S = nullptr;
  };
  Expected<LtPlan *> plan(const LtGemmShape &S, cudaDataType_t TA,
                          cudaDataType_t TB, cudaDataType_t TC,
                          const Operands &Ops);
  Error makePlan(const LtGemmShape &S, cudaDataType_t TA, cudaDataType_t TB,
                 cudaDataType_t TC, const Operands &Ops, LtPlan &P);
  Error pickFastest(LtPlan &P, const Operands &Ops,
                    ArrayRef<cublasLtMatmulHeuristicResult_t> Candidates);
};

/// cuBLASLt's heuristic ranks algorithms by a model that is often wrong for
/// tall-skinny training shapes (65536x512x512 ran at a fifth of the speed
/// of 65536x1024x512): the first call of a shape times the top candidates
/// on its own operands (writing C, which the call overwrites anyway) and
/// keeps the fastest.
constexpr int kGemmCandidates = 8;

Error Blas::Impl::pickFastest(
    LtPlan &P, const Operands &Ops,
    ArrayRef<cublasLtMatmulHeuristicResult_t> Candidates) {
  assert(!Ops.Accumulate && "timing writes C");
  CuDevicePtr Out = Ops.C;
  Expected<CuEvent> E0 = D.eventCreate(), E1 = D.eventCreate();
  if (!E0 || !E1)
    return joinErrors(E0.takeError(), E1.takeError());
  float Alpha = 1.0f, Beta = 0.0f, Best = -1.0f;
  for (const cublasLtMatmulHeuristicResult_t &R : Candidates) {
    auto Run = [&] {
      return cublasLtMatmul(
          Handle, P.Desc, &Alpha, reinterpret_cast<const void *>(Ops.B), P.X,
          reinterpret_cast<const void *>(Ops.A), P.Y, &Beta,
          reinterpret_cast<const void *>(Out), P.C,
          reinterpret_cast<void *>(Out), P.C, &R.algo,
          reinterpret_cast<void *>(Workspace), WorkspaceBytes, Ops.S);
    };
    if (Run() != CUBLAS_STATUS_SUCCESS) // warm-up; skip what fails
      continue;
    consumeError(D.eventRecord(*E0, Ops.S));
    for (int I = 0; I < 3; ++I)
      Run();
    consumeError(D.eventRecord(*E1, Ops.S));
    consumeError(D.eventSynchronize(*E1));
    Expected<float> Ms = D.eventElapsedMs(*E0, *E1);
    if (!Ms) {
      consumeError(Ms.takeError());
      continue;
    }
    if (DebugLevel >= 3)
      errs() << "hybc: cublasLt: candidate " << (&R - Candidates.data())
             << " of " << Candidates.size() << ": "
             << static_cast<double>(*Ms) / 3.0 * 1000.0 << " us\n";
    if (Best < 0 || *Ms < Best) {
      Best = *Ms;
      P.Algo = R;
    }
  }
  consumeError(D.eventDestroy(*E0));
  consumeError(D.eventDestroy(*E1));
  return Error::success();
}

Blas::Impl::~Impl() {
  for (auto &KV : Plans) {
    cublasLtMatrixLayoutDestroy(KV.second.X);
    cublasLtMatrixLayoutDestroy(KV.second.Y);
    cublasLtMatrixLayoutDestroy(KV.second.C);
    cublasLtMatmulDescDestroy(KV.second.Desc);
  }
  if (Handle)
    cublasLtDestroy(Handle);
  consumeError(D.memFree(Workspace));
}

Error Blas::Impl::makePlan(const LtGemmShape &S, cudaDataType_t TA,
                           cudaDataType_t TB, cudaDataType_t TC,
                           const Operands &Ops, LtPlan &P) {
  cublasComputeType_t CT = computeType(Precision, TA == CUDA_R_16BF);
  if (Error E = HYBC_CUBLAS(cublasLtMatmulDescCreate(&P.Desc, CT, CUDA_R_32F)))
    return E;
  cublasOperation_t OpX = S.TransX ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t OpY = S.TransY ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (Error E = HYBC_CUBLAS(cublasLtMatmulDescSetAttribute(
          P.Desc, CUBLASLT_MATMUL_DESC_TRANSA, &OpX, sizeof(OpX))))
    return E;
  if (Error E = HYBC_CUBLAS(cublasLtMatmulDescSetAttribute(
          P.Desc, CUBLASLT_MATMUL_DESC_TRANSB, &OpY, sizeof(OpY))))
    return E;
  if (Error E = makeLayouts(S, TA, TB, TC, P))
    return E;
  cublasLtMatmulPreference_t Pref = nullptr;
  if (Error E = HYBC_CUBLAS(cublasLtMatmulPreferenceCreate(&Pref)))
    return E;
  uint64_t Ws = WorkspaceBytes;
  cublasStatus_t St = cublasLtMatmulPreferenceSetAttribute(
      Pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &Ws, sizeof(Ws));
  int Found = 0;
  cublasLtMatmulHeuristicResult_t Cands[kGemmCandidates] = {};
  if (St == CUBLAS_STATUS_SUCCESS)
    St = cublasLtMatmulAlgoGetHeuristic(Handle, P.Desc, P.X, P.Y, P.C, P.C,
                                        Pref, kGemmCandidates, Cands, &Found);
  cublasLtMatmulPreferenceDestroy(Pref);
  if (Error E = HYBC_CUBLAS(St))
    return E;
  if (Found == 0)
    return gpuError("cuBLASLt has no algorithm for a " + Twine(S.N) + "x" +
                    Twine(S.M) + "x" + Twine(S.K) +
                    " gemm (hint: operand types or alignment; sizes should "
                    "be multiples of 8)");
  P.Algo = Cands[0];
  // Accumulating calls keep the heuristic's choice: timing them would need
  // a scratch copy of C (up to 256 MiB more at the memory peak).
  if (Autotune && !Ops.Accumulate && Found > 1 && Ops.C)
    if (Error E = pickFastest(P, Ops, makeArrayRef(Cands, Found)))
      return E;
  if (DebugLevel >= 3)
    errs() << "hybc: cublasLt: row-major " << S.N << "x" << S.M << "x" << S.K
           << " batch " << S.Batch << (S.TransY ? " A^T" : " A")
           << (S.TransX ? " B^T" : " B") << " compute type " << int(CT)
           << ": workspace " << P.Algo.workspaceSize << " bytes, "
           << P.Algo.wavesCount << " waves\n";
  return Error::success();
}

Expected<LtPlan *> Blas::Impl::plan(const LtGemmShape &S, cudaDataType_t TA,
                                    cudaDataType_t TB, cudaDataType_t TC,
                                    const Operands &Ops) {
  PlanKey Key{S.M,     S.N,     S.K,     S.TransX,  S.TransY,  int(TA),
              int(TB), int(TC), S.Batch, S.StrideX, S.StrideY, S.StrideC};
  auto It = Plans.find(Key);
  if (It != Plans.end())
    return &It->second;
  LtPlan P;
  if (Error E = makePlan(S, TA, TB, TC, Ops, P)) {
    cublasLtMatrixLayoutDestroy(P.X);
    cublasLtMatrixLayoutDestroy(P.Y);
    cublasLtMatrixLayoutDestroy(P.C);
    cublasLtMatmulDescDestroy(P.Desc);
    return E;
  }
  return &Plans.emplace(Key, P).first->second;
}

Blas::Blas(std::unique_ptr<Impl> I) : I(std::move(I)) {}
Blas::~Blas() = default;

GemmPrecision Blas::precision() const { return I->Precision; }

size_t Blas::libraryVersion() { return cublasLtGetVersion(); }

Expected<std::unique_ptr<Blas>> Blas::create(CudaDriver &D, GemmPrecision P,
                                             uint64_t WorkspaceBytes) {
  auto Impl = std::make_unique<Blas::Impl>(D, P);
  Expected<const GpuOptions &> O = gpuOptions();
  if (!O)
    return O.takeError();
  Impl->DebugLevel = O->Debug.Level;
  Impl->Autotune = O->GemmAutotune;
  if (Error E = D.makeCurrent())
    return E;
  if (Error E = HYBC_CUBLAS(cublasLtCreate(&Impl->Handle)))
    return E;
  if (WorkspaceBytes > 0) {
    Expected<CuDevicePtr> W = D.memAlloc(WorkspaceBytes);
    if (!W)
      return withContext("cuBLASLt workspace", W.takeError());
    Impl->Workspace = *W;
    Impl->WorkspaceBytes = WorkspaceBytes;
  }
  return std::unique_ptr<Blas>(new Blas(std::move(Impl)));
}

Error Blas::gemm(const GemmStep &G, CuDevicePtr A, CuDevicePtr B, CuDevicePtr C,
                 CuStream S, GemmTypes T) {
  return gemmBatched(G, 1, 0, 0, 0, A, B, C, S, T);
}

Error Blas::gemmBatched(const GemmStep &G, int64_t Batch, int64_t StrideA,
                        int64_t StrideB, int64_t StrideC, CuDevicePtr A,
                        CuDevicePtr B, CuDevicePtr C, CuStream S, GemmTypes T) {
  Expected<LtGemmShape> Shape =
      ltBatchedGemmShape(G, Batch, StrideA, StrideB, StrideC);
  if (!Shape)
    return Shape.takeError();
  Expected<cudaDataType_t> TA = dataType(T.A, "A"), TB = dataType(T.B, "B"),
                           TC = dataType(T.C, "C");
  if (!TA || !TB || !TC)
    return joinErrors(joinErrors(TA.takeError(), TB.takeError()),
                      TC.takeError());
  if (*TA != *TB)
    return gpuError("gemm %" + Twine(G.C) + ": A is " + T.A + " but B is " +
                    T.B + " (hint: cast both operands to one type)");
  Impl::Operands Ops;
  Ops.A = A;
  Ops.B = B;
  Ops.C = C;
  Ops.Accumulate = G.Accumulate;
  Ops.S = S;
  Expected<LtPlan *> P = I->plan(*Shape, *TA, *TB, *TC, Ops);
  if (!P)
    return P.takeError();
  float Alpha = 1.0f, Beta = G.Accumulate ? 1.0f : 0.0f;
  return HYBC_CUBLAS(cublasLtMatmul(
      I->Handle, (*P)->Desc, &Alpha, reinterpret_cast<const void *>(B), (*P)->X,
      reinterpret_cast<const void *>(A), (*P)->Y, &Beta,
      reinterpret_cast<const void *>(C), (*P)->C, reinterpret_cast<void *>(C),
      (*P)->C, &(*P)->Algo.algo, reinterpret_cast<void *>(I->Workspace),
      I->WorkspaceBytes, S));
}

} // namespace gpu
} // namespace hybc
