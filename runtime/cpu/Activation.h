//===- runtime/cpu/Activation.h - Pointwise activations ---------*- C++ -*-===//
///
/// \file
/// Elementwise activations of the PG models over N contiguous values:
///
///   SiLU              y = x * sigmoid(x)          (v-SiLU on values, gates)
///   relu^2            y = max(x, 0)^2             (baseline MLP)
///   leaky_relu(a)^2   y = (x >= 0 ? x : a * x)^2  (hybrid MLP, a = 0.5)
///   softcap(c)        y = c * tanh(x / c)         (logits, c = 30)
///
/// Backward passes take the forward INPUT X and the upstream gradient dY and
/// overwrite dX (dX may alias dY):
///
///   SiLU'     = s * (1 + x * (1 - s)),  s = sigmoid(x)
///   relu^2'   = 2 * max(x, 0)
///   leaky^2'  = 2 * l(x) * (x >= 0 ? 1 : a)
///   softcap'  = 1 - tanh(x / c)^2
///
/// Example:
///
/// \code
///   leakyReluSquareForward<float>(N, 0.5f, H, A);
///   leakyReluSquareBackward<float>(N, 0.5f, H, DA, DH);
/// \endcode
///
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_CPU_ACTIVATION_H
#define HYBC_RUNTIME_CPU_ACTIVATION_H

#include <cstdint>

namespace hybc {
namespace cpu {

/// Y = X * sigmoid(X).
template <typename T> void siluForward(int64_t N, const T *X, T *Y);
/// dX = dY * SiLU'(X).
template <typename T>
void siluBackward(int64_t N, const T *X, const T *DY, T *DX);

/// Y = relu(X)^2.
template <typename T> void reluSquareForward(int64_t N, const T *X, T *Y);
/// dX = dY * 2 * relu(X).
template <typename T>
void reluSquareBackward(int64_t N, const T *X, const T *DY, T *DX);

/// Y = leaky_relu(X, Slope)^2.
template <typename T>
void leakyReluSquareForward(int64_t N, T Slope, const T *X, T *Y);
/// dX = dY * 2 * leaky(X) * (X >= 0 ? 1 : Slope).
template <typename T>
void leakyReluSquareBackward(int64_t N, T Slope, const T *X, const T *DY,
                             T *DX);

/// Y = Cap * tanh(X / Cap); Cap must be > 0.
template <typename T> void softcapForward(int64_t N, T Cap, const T *X, T *Y);
/// dX = dY * (1 - tanh(X / Cap)^2).
template <typename T>
void softcapBackward(int64_t N, T Cap, const T *X, const T *DY, T *DX);

} // namespace cpu
} // namespace hybc

#endif // HYBC_RUNTIME_CPU_ACTIVATION_H
