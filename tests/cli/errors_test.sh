#!/usr/bin/env bash
# Corrupt or missing inputs to `hybc train` each give exit code 1 and a
# single `hybc: error:` line that names the culprit and carries a hint.
# Usage: errors_test.sh HYBC SOURCE_DIR
set -u
HYBC=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$SRC"
fail=0
SPEC=examples/tiny.hyb
SMALL=(--set train.iterations=1 --set train.val_tokens=4096 --no-progress)

expect_error() { # name, expected substring, args...
  local name=$1 want=$2; shift 2
  "$HYBC" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  local lines
  lines=$(grep -c . "$T/err")
  if [ "$rc" != 1 ]; then
    echo "FAIL $name: exit code $rc (want 1)"; cat "$T/err"; fail=1; return
  fi
  if [ "$lines" != 1 ] || ! grep -q "^hybc: error: " "$T/err"; then
    echo "FAIL $name: want exactly one 'hybc: error:' line, got:"; cat "$T/err"; fail=1; return
  fi
  if ! grep -q -- "$want" "$T/err"; then
    echo "FAIL $name: message lacks '$want':"; cat "$T/err"; fail=1; return
  fi
  if ! grep -qi "hint" "$T/err"; then
    echo "FAIL $name: message has no hint:"; cat "$T/err"; fail=1; return
  fi
  echo "ok   $name: $(cat "$T/err")"
}

mkdir -p "$T/trunc" "$T/magic"
head -c 5000 data/sample/fineweb_train_000000.bin >"$T/trunc/fineweb_train_000000.bin"
expect_error truncated-shard "fineweb_train_000000.bin" train $SPEC --out "$T/o1" \
  --set "data.train=\"$T/trunc/fineweb_train_*.bin\"" "${SMALL[@]}"

cp data/sample/fineweb_train_000000.bin "$T/magic/fineweb_train_000000.bin"
printf '\x01\x02\x03\x04' | dd of="$T/magic/fineweb_train_000000.bin" bs=1 seek=0 conv=notrunc 2>/dev/null
expect_error wrong-magic "magic" train $SPEC --out "$T/o2" \
  --set "data.train=\"$T/magic/fineweb_train_*.bin\"" "${SMALL[@]}"

expect_error vocab-mismatch "vocab" train $SPEC --out "$T/o3" --set model.vocab=2048 "${SMALL[@]}"

expect_error missing-val "nope_val" train $SPEC --out "$T/o4" \
  --set 'data.val="data/sample/nope_val_*.bin"' "${SMALL[@]}"

expect_error missing-tokenizer "missing.model" train $SPEC --out "$T/o5" \
  --set 'data.tokenizer="data/sample/missing.model"' "${SMALL[@]}"

touch "$T/afile"
expect_error unwritable-out "$T/afile/run" train $SPEC --out "$T/afile/run" "${SMALL[@]}"

expect_error non-finite-gradient "at step" train $SPEC --out "$T/o6" \
  --set train.muon.lr=1e30 --set train.adam.scalar_lr=1e30 \
  --set train.adam.embed_lr=1e30 "${SMALL[@]}" --set train.iterations=5

expect_error missing-spec "no_such.hyb" train no_such.hyb

expect_error bad-resume "checkpoint" train $SPEC --resume "$T/empty_dir" "${SMALL[@]}"

expect_error bench-steps "--warmup" bench $SPEC --steps 2 --warmup 3
expect_error bench-not-a-number "--steps 'x'" bench $SPEC --steps x
expect_error dump-kernels-on-cpu "--dump-kernels" train $SPEC --device cpu \
  --dump-kernels "$T/dump" --out "$T/o7" "${SMALL[@]}"
expect_error override-not-a-dir "--override-kernels" train $SPEC \
  --override-kernels "$T/no_such_dir" --out "$T/o8" "${SMALL[@]}"

exit $fail
