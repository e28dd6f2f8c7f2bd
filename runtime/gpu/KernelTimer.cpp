//===- runtime/gpu/KernelTimer.cpp - Per-kernel device times --------------===//
#include "runtime/gpu/KernelTimer.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace gpu {

KernelTimer::~KernelTimer() {
  for (CuEvent E : All)
    consumeError(D.eventDestroy(E));
}

Expected<CuEvent> KernelTimer::event() {
  if (!Free.empty()) {
    CuEvent E = Free.back();
    Free.pop_back();
    return E;
  }
  Expected<CuEvent> E = D.eventCreate(/*Timing=*/true);
  if (E)
    All.push_back(*E);
  return E;
}

Error KernelTimer::begin(CuStream S) {
  Expected<CuEvent> E = event();
  if (!E)
    return E.takeError();
  Stream = S;
  Open.push_back({*E, nullptr, ""});
  return D.eventRecord(*E, S);
}

Error KernelTimer::end(StringRef Label) {
  assert(!Open.empty() && !Open.back().End && "end() without begin()");
  Expected<CuEvent> E = event();
  if (!E)
    return E.takeError();
  Open.back().End = *E;
  Open.back().Label = Label.str();
  return D.eventRecord(*E, Stream);
}

Error KernelTimer::collect() {
  for (Pending &P : Open) {
    if (!P.End) { // begin() without end(): an aborted launch
      Free.push_back(P.Start);
      continue;
    }
    Expected<float> Ms = D.eventElapsedMs(P.Start, P.End);
    if (!Ms)
      return Ms.takeError();
    Total &T = Totals[P.Label];
    T.Ms += *Ms;
    ++T.Calls;
    Free.push_back(P.Start);
    Free.push_back(P.End);
  }
  Open.clear();
  return Error::success();
}

double KernelTimer::totalMs() const {
  double S = 0;
  for (const auto &KV : Totals)
    S += KV.second.Ms;
  return S;
}

void KernelTimer::print(raw_ostream &OS, unsigned Top) const {
  std::vector<std::pair<std::string, Total>> Rows;
  for (const auto &KV : Totals)
    Rows.push_back({KV.first().str(), KV.second});
  std::sort(Rows.begin(), Rows.end(), [](const auto &A, const auto &B) {
    return A.second.Ms != B.second.Ms ? A.second.Ms > B.second.Ms
                                      : A.first < B.first;
  });
  double Sum = totalMs();
  OS << formatv("hybc: per-kernel device time ({0} labels, {1:f1} ms total)\n",
                Rows.size(), Sum);
  OS << formatv("  {0,10} {1,7} {2,10} {3,6}  {4}\n", "total_ms", "calls",
                "mean_us", "share", "kernel");
  for (size_t I = 0; I < Rows.size() && I < Top; ++I) {
    const Total &T = Rows[I].second;
    OS << formatv("  {0,10:f2} {1,7} {2,10:f1} {3,5:f1}%  {4}\n", T.Ms,
                  T.Calls, 1000.0 * T.Ms / std::max<int64_t>(T.Calls, 1),
                  Sum > 0 ? 100.0 * T.Ms / Sum : 0.0, Rows[I].first);
  }
}

} // namespace gpu
} // namespace hybc
