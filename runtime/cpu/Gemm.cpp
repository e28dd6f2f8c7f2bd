//===- runtime/cpu/Gemm.cpp - Blocked, packed, OpenMP GEMM ----------------===//
///
/// \file
/// Driver of gemm(): GotoBLAS-style loop nest
///
///   for Jc (NC columns) / for Pc (KC depth): pack B panel (parallel)
///     for Ic0 (MBig rows): pack A rows with Alpha folded in (parallel)
///       parallel over (MC row block, JW column chunk) work items:
///         for Jr (NR) / for Ir (MR): micro-kernel
///
/// C is first scaled by Beta; micro-kernels then accumulate into it. Edge
/// tiles go through a zero-padded scratch tile. Example:
/// `gemm<double>(true, false, M, N, K, 1.0, A, M, B, N, 0.0, C, N)`.
///
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Gemm.h"
#include "runtime/cpu/GemmKernel.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <memory>

namespace hybc {
namespace cpu {
namespace {

using detail::GemmBlocking;
using detail::MicroKernelFn;

/// Arguments shared by the helpers below.
template <typename T> struct GemmArgs {
  bool TransA, TransB;
  int64_t M, N, K;
  T Alpha;
  const T *A;
  int64_t Lda;
  const T *B;
  int64_t Ldb;
  T *C;
  int64_t Ldc;
};

struct FreeDeleter {
  void operator()(void *P) const { std::free(P); }
};

/// Allocates Count elements of T aligned to 64 bytes.
template <typename T> std::unique_ptr<T, FreeDeleter> alignedBuffer(int64_t N) {
  size_t Bytes = (static_cast<size_t>(N) * sizeof(T) + 63) / 64 * 64;
  void *P = std::aligned_alloc(64, std::max<size_t>(Bytes, 64));
  assert(P && "gemm: out of memory for packing buffers");
  return std::unique_ptr<T, FreeDeleter>(static_cast<T *>(P));
}

int64_t roundUp(int64_t X, int64_t To) { return (X + To - 1) / To * To; }

/// C = Beta * C over the M x N block (Beta == 0 overwrites with zeros).
template <typename T> void scaleC(const GemmArgs<T> &G, T Beta) {
#pragma omp for schedule(static)
  for (int64_t I = 0; I < G.M; ++I) {
    T *Row = G.C + I * G.Ldc;
    if (Beta == T(0)) {
      std::fill(Row, Row + G.N, T(0));
      continue;
    }
#pragma omp simd
    for (int64_t J = 0; J < G.N; ++J)
      Row[J] *= Beta;
  }
}

/// Packs Alpha * op(A)[Ic0 : Ic0+Mb, Pc : Pc+Kc] into MR-row micro-panels
/// laid out as Dst[panel][p][i], zero-padding rows past Mb.
template <typename T>
void packA(const GemmArgs<T> &G, int64_t Ic0, int64_t Mb, int64_t Pc,
           int64_t Kc, T *Dst) {
  constexpr int64_t MR = GemmBlocking<T>::MR;
  const int64_t Panels = (Mb + MR - 1) / MR;
#pragma omp for schedule(static)
  for (int64_t Panel = 0; Panel < Panels; ++Panel) {
    T *Out = Dst + Panel * MR * Kc;
    const int64_t Row0 = Ic0 + Panel * MR;
    const int64_t Rows = std::min(MR, Ic0 + Mb - Row0);
    for (int64_t P = 0; P < Kc; ++P) {
      for (int64_t I = 0; I < MR; ++I) {
        T Value = T(0);
        if (I < Rows) {
          const int64_t Row = Row0 + I, Col = Pc + P;
          Value = G.TransA ? G.A[Col * G.Lda + Row] : G.A[Row * G.Lda + Col];
        }
        Out[P * MR + I] = G.Alpha * Value;
      }
    }
  }
}

/// Packs op(B)[Pc : Pc+Kc, Jc : Jc+Nc] into NR-column micro-panels laid out
/// as Dst[panel][p][j], zero-padding columns past Nc.
template <typename T>
void packB(const GemmArgs<T> &G, int64_t Jc, int64_t Nc, int64_t Pc, int64_t Kc,
           T *Dst) {
  constexpr int64_t NR = GemmBlocking<T>::NR;
  const int64_t Panels = (Nc + NR - 1) / NR;
#pragma omp for schedule(static)
  for (int64_t Panel = 0; Panel < Panels; ++Panel) {
    T *Out = Dst + Panel * NR * Kc;
    const int64_t Col0 = Jc + Panel * NR;
    const int64_t Cols = std::min(NR, Jc + Nc - Col0);
    for (int64_t P = 0; P < Kc; ++P) {
      const int64_t Row = Pc + P;
      for (int64_t J = 0; J < NR; ++J) {
        const int64_t Col = Col0 + J;
        T Value = T(0);
        if (J < Cols)
          Value = G.TransB ? G.B[Col * G.Ldb + Row] : G.B[Row * G.Ldb + Col];
        Out[P * NR + J] = Value;
      }
    }
  }
}

/// One micro-tile: full tiles go straight to C, edge tiles via scratch.
template <typename T>
void microTile(MicroKernelFn<T> Kernel, int64_t Kc, const T *Ap, const T *Bp,
               T *C, int64_t Ldc, int64_t Rows, int64_t Cols) {
  constexpr int64_t MR = GemmBlocking<T>::MR;
  constexpr int64_t NR = GemmBlocking<T>::NR;
  if (Rows == MR && Cols == NR) {
    Kernel(Kc, Ap, Bp, C, Ldc);
    return;
  }
  alignas(64) T Tile[MR * NR] = {};
  Kernel(Kc, Ap, Bp, Tile, NR);
  for (int64_t I = 0; I < Rows; ++I)
    for (int64_t J = 0; J < Cols; ++J)
      C[I * Ldc + J] += Tile[I * NR + J];
}

/// Multiplies the packed A rows [Ic0, Ic0+Mb) by the packed B panel of
/// columns [Jc, Jc+Nc), split into (MC x JW) work items over threads.
template <typename T>
void macroKernel(const GemmArgs<T> &G, MicroKernelFn<T> Kernel, int64_t Ic0,
                 int64_t Mb, int64_t Jc, int64_t Nc, int64_t Kc,
                 const T *PackedA, const T *PackedB) {
  using Blk = GemmBlocking<T>;
  const int64_t RowBlocks = (Mb + Blk::MC - 1) / Blk::MC;
  const int64_t ColChunks = (Nc + Blk::JW - 1) / Blk::JW;
#pragma omp for collapse(2) schedule(dynamic, 1)
  for (int64_t RB = 0; RB < RowBlocks; ++RB) {
    for (int64_t CC = 0; CC < ColChunks; ++CC) {
      const int64_t J0 = CC * Blk::JW, J1 = std::min(Nc, J0 + Blk::JW);
      const int64_t I0 = RB * Blk::MC, I1 = std::min(Mb, I0 + Blk::MC);
      for (int64_t Jr = J0; Jr < J1; Jr += Blk::NR) {
        const T *Bp = PackedB + (Jr / Blk::NR) * Blk::NR * Kc;
        const int64_t Cols = std::min(Blk::NR, J1 - Jr);
        for (int64_t Ir = I0; Ir < I1; Ir += Blk::MR) {
          const T *Ap = PackedA + (Ir / Blk::MR) * Blk::MR * Kc;
          T *C = G.C + (Ic0 + Ir) * G.Ldc + Jc + Jr;
          microTile(Kernel, Kc, Ap, Bp, C, G.Ldc, std::min(Blk::MR, I1 - Ir),
                    Cols);
        }
      }
    }
  }
}

/// Body of the parallel region: every thread walks the same outer loops and
/// shares the packing and tile loops through orphaned `omp for`s.
template <typename T>
void gemmParallelBody(const GemmArgs<T> &G, T Beta, MicroKernelFn<T> Kernel,
                      T *PackedA, T *PackedB) {
  using Blk = GemmBlocking<T>;
  scaleC(G, Beta);
  if (G.K == 0 || G.Alpha == T(0))
    return;
  for (int64_t Jc = 0; Jc < G.N; Jc += Blk::NC) {
    const int64_t Nc = std::min(Blk::NC, G.N - Jc);
    for (int64_t Pc = 0; Pc < G.K; Pc += Blk::KC) {
      const int64_t Kc = std::min(Blk::KC, G.K - Pc);
      packB(G, Jc, Nc, Pc, Kc, PackedB);
      for (int64_t Ic0 = 0; Ic0 < G.M; Ic0 += Blk::MBig) {
        const int64_t Mb = std::min(Blk::MBig, G.M - Ic0);
        packA(G, Ic0, Mb, Pc, Kc, PackedA);
        macroKernel(G, Kernel, Ic0, Mb, Jc, Nc, Kc, PackedA, PackedB);
      }
    }
  }
}

} // namespace

template <typename T>
void gemm(bool TransA, bool TransB, int64_t M, int64_t N, int64_t K, T Alpha,
          const T *A, int64_t Lda, const T *B, int64_t Ldb, T Beta, T *C,
          int64_t Ldc) {
  using Blk = GemmBlocking<T>;
  assert(M >= 0 && N >= 0 && K >= 0 && "gemm: negative size");
  if (M == 0 || N == 0)
    return;
  const GemmArgs<T> G{TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, C, Ldc};
  const int64_t KcMax = std::min(Blk::KC, std::max<int64_t>(K, 1));
  auto PackedA =
      alignedBuffer<T>(roundUp(std::min(Blk::MBig, M), Blk::MR) * KcMax);
  auto PackedB =
      alignedBuffer<T>(roundUp(std::min(Blk::NC, N), Blk::NR) * KcMax);
  MicroKernelFn<T> Kernel = detail::selectMicroKernel<T>();
  const double Work = static_cast<double>(M) * N * std::max<int64_t>(K, 1);
  T *PA = PackedA.get(), *PB = PackedB.get();
#pragma omp parallel if (Work > 32768.0)
  gemmParallelBody(G, Beta, Kernel, PA, PB);
}

template <typename T>
void gemmNaive(bool TransA, bool TransB, int64_t M, int64_t N, int64_t K,
               T Alpha, const T *A, int64_t Lda, const T *B, int64_t Ldb,
               T Beta, T *C, int64_t Ldc) {
  for (int64_t I = 0; I < M; ++I) {
    for (int64_t J = 0; J < N; ++J) {
      double Sum = 0.0;
      for (int64_t P = 0; P < K; ++P) {
        const T AV = TransA ? A[P * Lda + I] : A[I * Lda + P];
        const T BV = TransB ? B[J * Ldb + P] : B[P * Ldb + J];
        Sum += static_cast<double>(AV) * static_cast<double>(BV);
      }
      T &Out = C[I * Ldc + J];
      const double Prev = Beta == T(0) ? 0.0 : static_cast<double>(Beta) * Out;
      Out = static_cast<T>(static_cast<double>(Alpha) * Sum + Prev);
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t, float,
                          float *, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double,
                           const double *, int64_t, const double *, int64_t,
                           double, double *, int64_t);
template void gemmNaive<float>(bool, bool, int64_t, int64_t, int64_t, float,
                               const float *, int64_t, const float *, int64_t,
                               float, float *, int64_t);
template void gemmNaive<double>(bool, bool, int64_t, int64_t, int64_t, double,
                                const double *, int64_t, const double *,
                                int64_t, double, double *, int64_t);

} // namespace cpu
} // namespace hybc
