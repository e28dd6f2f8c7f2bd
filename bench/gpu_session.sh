#!/usr/bin/env bash
# One GPU-machine session with binaries built elsewhere and carried in .gpu/
# (bin/: hybc, gpu_tests; lib/: libs the device image lacks; data/: the full
# shared sp1024 train shard for the parity run). Phases (PHASES, comma list):
#   tests      gpu_tests (device tests, kernel parity, 50-step train parity)
#   tiny       examples/tiny.hyb on cuda and on cpu, PARITY_STEPS steps
#   base       examples/baseline_gpt.hyb timing, BASE_STEPS steps
#   parity300  PG parity run: 300 steps x 65,536 tokens, WARMDOWN_ITERS=100,
#              full val prefix (PyTorch reference: val_bpb 1.854)
#   prof       baseline_gpt, PROF_STEPS steps with HYBC_DEBUG=2: per-kernel
#              device times (stderr table) and peak memory
#   attn       attention parity tests and kernel times at the baseline shape
#              for each HYBC_ATTN_TILES in ATTN_TILES_LIST (space-separated
#              W:BC:STEP; "-" = the default tiles)
#   ref        the PyTorch reference (.gpu/ref/train_gpt.py, fetched from
#              openai/parameter-golf, never committed) for REF_STEPS steps on
#              the same GPU: its step times and peak memory
# base and ref print the median step time over steps 10..BASE_STEPS.
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
if [[ $PHASES == *,attn,* ]]; then
  for t in ${ATTN_TILES_LIST:--}; do
    echo "== attention tiles $t"
    [[ $t == - ]] && t=
    HYBC_ATTN_TILES=$t $B/gpu_tests --gtest_also_run_disabled_tests \
      --gtest_filter='*AttentionParity*:*AttentionTrainingShape*' 2>&1 |
      grep -E " us$|FAILED|PASSED|tests ran"
  done
fi
if [[ $PHASES == *,tiny,* ]]; then
  PAR=(--set train.iterations=${PARITY_STEPS:-20} --set train.val_every=0
       --set train.val_tokens=8192 --set train.log_every=5 --no-progress)
  for dev in cuda cpu; do
    echo "== tiny: $dev"
    $B/hybc train examples/tiny.hyb --device $dev --out "$OUT/tiny_$dev" "${PAR[@]}" 2>&1 | tail -3
  done
  echo "== tiny: --dump-kernels, then --override-kernels with one edited kernel"
  $B/hybc train examples/tiny.hyb --device cuda --out "$OUT/tiny_dump" "${PAR[@]}" \
    --set train.iterations=2 --dump-kernels "$OUT/dump" 2>&1 | tail -1
  K=$(ls "$OUT/dump" | grep '^hybc_.*\.cu$' | head -1)
  mkdir -p "$OUT/override" && { echo "// edited by hand"; cat "$OUT/dump/$K"; } > "$OUT/override/$K"
  grep -c '"spill_bytes"' "$OUT/dump/manifest.json"
  $B/hybc train examples/tiny.hyb --device cuda --out "$OUT/tiny_override" "${PAR[@]}" \
    --set train.iterations=2 --override-kernels "$OUT/override" 2>&1 | grep -E "overriding|final"
fi
if [[ $PHASES == *,base,* ]]; then
  echo "== baseline_gpt: cuda timing"
  $B/hybc train examples/baseline_gpt.hyb --device cuda --out "$OUT/base" \
    --set 'data.train=".gpu/data/fineweb_train_*.bin"' \
    --set train.iterations=${BASE_STEPS:-60} --set train.val_every=0 \
    --set train.val_tokens=65536 --set train.log_every=1 --no-progress 2>&1 | tail -4
  python3 bench/step_median.py hybc "$OUT/base/metrics.jsonl" 10
  grep -o '"peak_memory_allocated_mib": *[0-9]*' "$OUT/base/summary.json"
fi
if [[ $PHASES == *,prof,* ]]; then
  echo "== baseline_gpt: per-kernel profile"
  HYBC_DEBUG=2,GpuResident.cpp $B/hybc train examples/baseline_gpt.hyb --device cuda \
    --out "$OUT/prof" --set 'data.train=".gpu/data/fineweb_train_*.bin"' \
    --set train.iterations=${PROF_STEPS:-3} --set train.val_every=0 \
    --set train.val_tokens=8192 --no-progress 2>"$OUT/prof.err" | tail -2
  head -45 "$OUT/prof.err"
fi
if [[ $PHASES == *,ref,* ]]; then
  echo "== PyTorch reference (train_gpt.py + torch.compile)"
  (cd .gpu/ref && DATA_PATH=../data TOKENIZER_PATH=../data/fineweb_1024_bpe.model \
    ITERATIONS=${REF_STEPS:-60} VAL_LOSS_EVERY=0 TRAIN_LOG_EVERY=1 WARMUP_STEPS=20 \
    RUN_ID=ref timeout ${REF_TIMEOUT:-300} python3 train_gpt.py > "$OUT/ref.log" 2>&1)
  grep -E "peak memory|step:60/|warmup_step:20" "$OUT/ref.log" | head -5
  python3 bench/step_median.py ref "$OUT/ref.log" 10
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
