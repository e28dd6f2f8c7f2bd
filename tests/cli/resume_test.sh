#!/usr/bin/env bash
# `hybc train` killed with SIGKILL mid-run and resumed with --resume reaches
# the same final loss as an uninterrupted run with the same seed.
# Usage: resume_test.sh HYBC SOURCE_DIR
set -u
HYBC=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$SRC"
ARGS=(examples/tiny.hyb --no-progress --set train.iterations=30
      --set train.checkpoint_every=5 --set train.batch_tokens=1024
      --set train.val_every=0 --set train.val_tokens=8192 --set train.log_every=1)

"$HYBC" train "${ARGS[@]}" --out "$T/full" >"$T/full.log" 2>&1 || {
  echo "uninterrupted run failed"; cat "$T/full.log"; exit 1; }

"$HYBC" train "${ARGS[@]}" --out "$T/cut" >"$T/cut.log" 2>&1 &
PID=$!
# Kill as soon as a checkpoint exists (mid-run, between steps or not).
for _ in $(seq 1 600); do
  [ -f "$T/cut/checkpoint.bin" ] && break
  sleep 0.05
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
if [ -f "$T/cut/summary.json" ]; then
  echo "run finished before it could be killed (machine too fast?)"; exit 1
fi
"$HYBC" train "${ARGS[@]}" --resume "$T/cut" >"$T/resume.log" 2>&1 || {
  echo "resumed run failed"; cat "$T/resume.log"; exit 1; }

python3 - "$T/full/summary.json" "$T/cut/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ok = True
for k in ("final_train_loss", "val_loss", "val_bpb"):
    rel = abs(a[k] - b[k]) / max(abs(a[k]), 1e-12)
    print(f"{k}: uninterrupted {a[k]:.8f} resumed {b[k]:.8f} rel {rel:.2e}")
    ok &= rel <= 1e-5
ok &= a["steps"] == b["steps"]
sys.exit(0 if ok else 1)
PY
