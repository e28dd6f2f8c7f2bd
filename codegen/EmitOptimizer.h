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

} // namespace hybc

#endif // HYBC_CODEGEN_EMITOPTIMIZER_H
