#!/usr/bin/env bash
# One GPU-machine session with binaries built elsewhere and carried in .gpu/
# (bin/: hybc, gpu_tests; lib/: libs the device image lacks; data/: the full
# shared sp1024 train shard for the parity run). Phases (PHASES, comma list):
#   tests      gpu_tests (device tests, kernel parity, 50-step train parity)
#   tiny       examples/tiny.hyb on cuda and on cpu, PARITY_STEPS steps
#   base       examples/baseline_gpt.hyb timing, BASE_STEPS steps
#   parity300  PG parity run: 300 steps x 65,536 tokens, WARMDOWN_ITERS=100,
#              full val prefix (PyTorch reference: val_bpb 1.854)
# Logs go to $OUT. Usage: PHASES=tests,base bench/gpu_session.sh
set -u -o pipefail
cd "$(dirname "$0")/.."
export LD_LIBRARY_PATH="$PWD/.gpu/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
export HYBC_CACHE_DIR=/tmp/hybc-cache
export HYBC_SOURCE_DIR="$PWD"
OUT=${OUT:-/tmp/out}
PHASES=",${PHASES:-tests,tiny,base},"
B=.gpu/bin
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
if [[ $PHASES == *,tests,* ]]; then
  echo "== gpu_tests"
  /usr/bin/time -f "gpu_tests wall %e s" $B/gpu_tests --gtest_brief=1 2>&1 |
    tee "$OUT/gpu_tests.log" | tail -30
fi
if [[ $PHASES == *,tiny,* ]]; then
  PAR=(--set train.iterations=${PARITY_STEPS:-20} --set train.val_every=0
       --set train.val_tokens=8192 --set train.log_every=5 --no-progress)
  for dev in cuda cpu; do
    echo "== tiny: $dev"
    $B/hybc train examples/tiny.hyb --device $dev --out "$OUT/tiny_$dev" "${PAR[@]}" 2>&1 | tail -3
  done
fi
if [[ $PHASES == *,base,* ]]; then
  echo "== baseline_gpt: cuda timing"
  $B/hybc train examples/baseline_gpt.hyb --device cuda --out "$OUT/base" \
    --set train.iterations=${BASE_STEPS:-4} --set train.val_every=0 \
    --set train.val_tokens=65536 --set train.log_every=1 --no-progress 2>&1 | tail -4
  nvidia-smi --query-gpu=memory.used --format=csv,noheader
fi
if [[ $PHASES == *,parity300,* ]]; then
  echo "== parity: 300 x 65,536 tokens"
  $B/hybc train examples/baseline_gpt.hyb --device cuda --out "$OUT/parity" \
    --set 'data.train=".gpu/data/fineweb_train_*.bin"' \
    --set train.iterations=300 --set train.batch_tokens=65536 \
    --set train.grad_accum=${PARITY_ACCUM:-1} --set train.warmdown.iters=100 \
    --set train.val_every=0 --set train.val_tokens=0 --set train.log_every=50 \
    --no-progress 2>&1 | tail -10
fi
