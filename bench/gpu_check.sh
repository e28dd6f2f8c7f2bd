#!/usr/bin/env bash
# bench/gpu_check.sh - the GPU acceptance run: device tests, then benchmarks.
#
# Usage: bench/gpu_check.sh [BUILD_DIR]
#   BUILD_DIR  an existing build directory (built here, or carried from
#              another machine); default: configure and build ./build-gpucheck.
# Environment: HYBC_CACHE_DIR (default BUILD_DIR/kernel-cache), JOBS (build
# parallelism, default nproc), BENCH_SPECS (default: examples/baseline_gpt.hyb
# and examples/tiny.hyb, whose data ships in data/sample).
#
# Steps: print the device; build gpu_tests, nvrtc_tests and hybc if needed;
# run `ctest -L gpu` (or the test executables directly when the build dir was
# configured elsewhere); then `hybc bench` per spec, once to fill the kernel
# cache and once timed under HYBC_ASSERT_CACHED=1; print a summary table.
# Exit status: non-zero when any test fails.
set -u -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-gpucheck}"
mkdir -p "$BUILD" && BUILD="$(cd "$BUILD" && pwd)"
JOBS="${JOBS:-$(nproc)}"
export HYBC_CACHE_DIR="${HYBC_CACHE_DIR:-$BUILD/kernel-cache}"
ROWS=()
STATUS=0

row() { ROWS+=("$(printf '%-34s %-10s %s' "$1" "$2" "$3")"); }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

echo "== device"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv,noheader || true
else
  echo "nvidia-smi not found (the gpu tests will skip without a driver)"
fi

echo "== build ($BUILD)"
T0=$(now)
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 1
fi
NATIVE=0
if grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT\$" "$BUILD/CMakeCache.txt"; then
  NATIVE=1
  cmake --build "$BUILD" -j"$JOBS" --target gpu_tests nvrtc_tests hybc \
    || { row build FAIL "$(secs "$T0")"; STATUS=1; }
fi
if [[ $NATIVE == 0 ]]; then
  row "build" carried "configured elsewhere: running test binaries directly"
elif [[ $STATUS == 0 ]]; then
  row "build" ok "$(secs "$T0")"
fi

run_tests() { # label executable
  local T
  T=$(now)
  if [[ $NATIVE == 1 ]]; then
    (cd "$BUILD" && ctest -L "$1" --output-on-failure)
  else
    "$BUILD/tests/$1/$2" --gtest_brief=1
  fi
  local RC=$?
  if [[ $RC == 0 ]]; then row "ctest -L $1" ok "$(secs "$T")"
  else row "ctest -L $1" FAIL "$(secs "$T")"; STATUS=1; fi
}

echo "== tests"
run_tests gpu gpu_tests
run_tests nvrtc nvrtc_tests

echo "== benchmarks"
HYBC="$BUILD/hybc"
if [[ -x "$HYBC" ]] && "$HYBC" --help 2>&1 | grep -q "bench"; then
  for SPEC in ${BENCH_SPECS:-"$ROOT/examples/baseline_gpt.hyb $ROOT/examples/tiny.hyb"}; do
    NAME="$(basename "$SPEC" .hyb)"
    "$HYBC" bench "$SPEC" >/dev/null 2>&1 # fills the kernel cache
    T=$(now)
    if OUT=$(HYBC_ASSERT_CACHED=1 "$HYBC" bench "$SPEC" 2>&1); then
      row "bench $NAME" ok "$(secs "$T")  $(echo "$OUT" | tail -n 1)"
    else
      row "bench $NAME" FAIL "$(echo "$OUT" | tail -n 1)"
    fi
  done
else
  row "bench" "n/a" "hybc bench is not implemented yet"
fi

echo
echo "== summary (kernel cache: $HYBC_CACHE_DIR)"
printf '%-34s %-10s %s\n' "check" "result" "detail"
printf '%s\n' "${ROWS[@]}"
exit $STATUS
