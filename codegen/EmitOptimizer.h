//===- codegen/EmitOptimizer.h - Optimizer and Muon helper kernels -*- C++
//-*-===//
///
/// \file
/// Shape-specialized kernels of the training step outside the IR graph:
/// Adam (PyTorch fused arithmetic, runtime/optim/Adam.h), the weight EMA,
/// per-row fake quantisation (late QAT, runtime/cpu/Quant.h) and the
/// element-wise helpers of Muon whose Newton-Schulz matmuls run in cuBLAS
/// (runtime/optim/Muon.h, NewtonSchulz.h). Each reproduces the rounding
/// points of its CPU reference (explicit __fmul_rn/__fadd_rn/__fdiv_rn
/// where the CPU rounds, fmaf where it fuses), so results are bit-identical
/// except where a reduction order differs (Frobenius / row norms: fp64
/// partial sums, last-bit differences only).
///
/// Buffers are fp32 (bf16 "values" are fp32 numbers rounded to bf16, as in
/// runtime/optim/Bf16.h); they are not IR values: every buffer KernelArg has
/// ValueId 0, Scratch unset and a role name, and the runtime passes the
/// pointers in ABI order (only the Frobenius partials are Scratch). Scalars
/// (learning rate, betas, bias corrections, ...) are F32/I64 KernelArgs
/// computed on the host in fp32 exactly as the CPU reference does. Launch: 1-D
/// grids of 256-thread blocks (see each function).
///
/// Example:
///   KernelSpec K = emitAdamStep(512 * 2240, /*Bf16Param=*/false);
///   // K.Name == "hybc_optim_adam_n1146880"; args (param, grad, exp_avg,
///   // exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step_size,
///   // bias_corr2_sqrt, wd_mode)
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_CODEGEN_EMITOPTIMIZER_H
#define HYBC_CODEGEN_EMITOPTIMIZER_H

#include "codegen/KernelSpec.h"

#include <cstdint>
#include <vector>

namespace hybc {

/// One Adam step on N elements. Args: param (in/out), grad, exp_avg,
/// exp_avg_sq (in/out); F32 lr, beta1, beta2, eps, weight_decay, step_size
/// (= lr / (1 - beta1^t) in fp32), bias_corr2_sqrt (= sqrtf(1 - beta2^t));
/// I64 wd_mode (0: L2 grad += wd·p, 1: decoupled p -= lr·wd·p; no decay
/// when weight_decay == 0). With \p Bf16Param the gradient is read rounded
/// to bf16 and param and both moments are stored rounded to bf16.
KernelSpec emitAdamStep(int64_t N, bool Bf16Param);

/// shadow = fma(one_minus_decay, param, shadow·decay). Args: shadow
/// (in/out), param; F32 decay, one_minus_decay (= float(1 − decay)).
KernelSpec emitEmaUpdate(int64_t N);

/// Per-row symmetric fake quantisation, one block per row: qmax =
/// 2^(Bits−1) − 1, scale = max(max|w|/qmax, 1/qmax), out =
/// clamp(rint(w/scale), ±qmax)·scale. Args: w, out.
KernelSpec emitFakeQuantRows(int64_t Rows, int64_t Cols, int Bits);

/// x ← x·s (optionally rounded to bf16). Args: x (in/out); F32 s.
KernelSpec emitScaleInplace(int64_t N, bool RoundBf16 = false);

/// Two-pass deterministic Frobenius norm: pass 1 (grid of up to 1024
/// blocks) writes per-block fp64 partial sums of x² as (hi, lo) float pairs
/// into scratch "optim_fro_partials"; pass 2 (one block) writes
/// out[0] = float(sqrt(Σ)) and out[1] = out[0] + eps. Args pass 1: x,
/// partials; pass 2: partials, out (2 floats); F32 eps.
std::vector<KernelSpec> emitFrobeniusNorm(int64_t N);

/// x ← x / den[1] (den = the output of emitFrobeniusNorm), optionally
/// rounded to bf16: the X /= (‖X‖ + eps) step of Newton-Schulz.
/// Args: x (in/out), den.
KernelSpec emitDivideByNorm(int64_t N, bool RoundBf16 = false);

/// MuonEq-R: every row x_r ← x_r / max(‖x_r‖₂, eps), one block per row
/// (fp64 row sums). Args: x (in/out); F32 eps.
KernelSpec emitRowNormalize(int64_t Rows, int64_t Cols);

/// Muon momentum: buf = buf·mu + g (two roundings); update = fma(mu, buf,
/// g) (Nesterov) or buf. Args: grad, buf (in/out), update (out); F32 mu.
KernelSpec emitMuonMomentum(int64_t N, bool Nesterov = true);

/// \name Batched Muon kernels (EmitOptimizerBatched.cpp)
/// One launch covers a segment of \p Count matrices of \p N = Rows*Cols
/// floats whose slots start \p Stride floats apart (runtime/train/
/// GpuLayout.h); the padding after each matrix is never read or written.
/// Every kernel uses 256-thread blocks. Coefficients and scalars are F32
/// arguments computed on the host.
/// @{

/// Per-matrix Frobenius normalisation X <- X / (||X|| + eps) in two
/// launches. Pass 1 (grid Count*P, P = min(256, ceil(N / 2048)) blocks per
/// matrix) writes per-block fp64 sums of x^2 as (hi, lo) float pairs into
/// scratch "optim_fro_partials" (2*Count*P). Pass 2 (same grid) sums a
/// matrix's P partials in fixed order, den = float(sqrt(S)) + eps (fp32),
/// first = first / den (the unrounded Newton-Schulz iterate) and x =
/// first (rounded to bf16 with \p RoundBf16). Args pass 1: first,
/// partials; pass 2: partials, first (in/out), x (out); F32 eps.
std::vector<KernelSpec> emitBatchedFrobeniusNormalize(int64_t Count, int64_t N,
                                                      int64_t Stride,
                                                      bool RoundBf16);

/// MuonEq-R over a segment: every row of every matrix x_r <- x_r /
/// max(||x_r||, eps), one block per row (grid Count*Rows, fp64 sums, no
/// rounding as in the compiled Newton-Schulz). Args: x (in/out); F32 eps.
KernelSpec emitBatchedRowNormalize(int64_t Count, int64_t Rows, int64_t Cols,
                                   int64_t Stride);

/// Newton-Schulz after A = X X^T (or X^T X): a <- r(a); ca <- r(coef * a)
/// (r = bf16 rounding with \p RoundBf16, else identity). Args: a (in/out),
/// ca (out); F32 coef (kNsC).
KernelSpec emitNsGram(int64_t Count, int64_t N, int64_t Stride, bool RoundBf16);

/// Newton-Schulz B = b*A + (c*A) A in place of A: a <- r(r(coef * a) +
/// r(aa)). Args: a (in/out), aa; F32 coef (kNsB).
KernelSpec emitNsPoly(int64_t Count, int64_t N, int64_t Stride, bool RoundBf16);

/// Newton-Schulz X <- r(r(coef * S) + r(bx)) with S = first (the unrounded
/// first iterate, \p FromFirst) or x itself. Args: x (in/out), [first,]
/// bx; F32 coef (kNsA).
KernelSpec emitNsUpdate(int64_t Count, int64_t N, int64_t Stride,
                        bool FromFirst, bool RoundBf16);

/// muonApply over a segment: u = update (with \p Scaled, r(u * scale));
/// p = fmaf(alpha, u, decay ? p * keep : p). Args: param (in/out), update;
/// F32 scale, keep (= float(1 - lr*wd)), alpha (= float(-lr)); I64 decay.
KernelSpec emitMuonApplyBatched(int64_t Count, int64_t N, int64_t Stride,
                                bool Scaled, bool RoundBf16);

/// @}

} // namespace hybc

#endif // HYBC_CODEGEN_EMITOPTIMIZER_H
