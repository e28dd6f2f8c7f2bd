#!/usr/bin/env bash
# One GPU-machine session with binaries built elsewhere and carried in .gpu/
# (bin/: hybc, gpu_tests; lib/: libs the device image lacks). Runs the gpu
# tests, a CPU-vs-CUDA parity run of examples/tiny.hyb and a short timing run
# of examples/baseline_gpt.hyb; logs go to $OUT. Usage: bench/gpu_session.sh
set -u -o pipefail
cd "$(dirname "$0")/.."
export LD_LIBRARY_PATH="$PWD/.gpu/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
export HYBC_CACHE_DIR=/tmp/hybc-cache
OUT=${OUT:-/tmp/out}
B=.gpu/bin
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "== gpu_tests"
$B/gpu_tests --gtest_brief=1 2>&1 | tee "$OUT/gpu_tests.log" | tail -40
PAR=(--set train.iterations=${PARITY_STEPS:-20} --set train.val_every=0
     --set train.val_tokens=8192 --set train.log_every=5 --no-progress)
echo "== tiny: cuda"
$B/hybc train examples/tiny.hyb --device cuda --out "$OUT/tiny_cuda" "${PAR[@]}" 2>&1 | tail -8
echo "== tiny: cpu"
$B/hybc train examples/tiny.hyb --device cpu --out "$OUT/tiny_cpu" "${PAR[@]}" 2>&1 | tail -4
echo "== baseline_gpt: cuda timing"
$B/hybc train examples/baseline_gpt.hyb --device cuda --out "$OUT/base" \
  --set train.iterations=${BASE_STEPS:-4} --set train.val_every=0 \
  --set train.val_tokens=65536 --set train.log_every=1 --no-progress 2>&1 | tail -8
