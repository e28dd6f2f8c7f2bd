//===- runtime/gpu/KernelTimer.h - Per-kernel device times ------*- C++ -*-===//
//
/// \file
/// HYBC_DEBUG>=2 per-kernel times: events recorded around every launch of a
/// step, read back when the step is synchronised, summed per label (kernel
/// name, "gemm MxNxK", optimizer phase) and printed as a table, largest
/// total first. Costs an event pair per launch, so only debug runs use it.
///
/// Example:
/// \code
///   KernelTimer T(Driver);
///   T.begin(Stream);  ...launch...  T.end("hybc_rms_norm_fwd_r4096_d512");
///   if (llvm::Error E = T.collect()) return E;  // after a synchronise
///   T.print(llvm::errs(), /*Top=*/40);
/// \endcode
//
//===----------------------------------------------------------------------===//
#ifndef HYBC_RUNTIME_GPU_KERNELTIMER_H
#define HYBC_RUNTIME_GPU_KERNELTIMER_H

#include "runtime/gpu/CudaDriver.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace hybc {
namespace gpu {

class KernelTimer {
public:
  explicit KernelTimer(CudaDriver &D) : D(D) {}
  ~KernelTimer();
  KernelTimer(const KernelTimer &) = delete;
  KernelTimer &operator=(const KernelTimer &) = delete;

  /// Records the start event of the next launch on \p S.
  llvm::Error begin(CuStream S);
  /// Records its end event and labels the interval.
  llvm::Error end(llvm::StringRef Label);
  /// Reads every pending interval (their events must have completed) and
  /// adds it to the per-label totals.
  llvm::Error collect();
  /// Forgets the totals so far (call after a warm-up step: first calls
  /// include lazy module loading and GEMM autotuning).
  void reset() { Totals.clear(); }
  /// Prints the \p Top labels by total time, with calls and share.
  void print(llvm::raw_ostream &OS, unsigned Top) const;
  /// Total milliseconds over all labels.
  double totalMs() const;

private:
  struct Pending {
    CuEvent Start = nullptr, End = nullptr;
    std::string Label;
  };
  struct Total {
    double Ms = 0;
    int64_t Calls = 0;
  };
  llvm::Expected<CuEvent> event();

  CudaDriver &D;
  CuStream Stream = nullptr;
  std::vector<CuEvent> Free, All;
  std::vector<Pending> Open;
  llvm::StringMap<Total> Totals;
};

} // namespace gpu
} // namespace hybc

#endif // HYBC_RUNTIME_GPU_KERNELTIMER_H
