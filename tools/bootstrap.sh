#!/usr/bin/env bash
# Installs what hybc needs (Debian packages, when run as root and something is
# missing) and builds it into ./build. Idempotent: a second run only rebuilds
# what changed. Usage: tools/bootstrap.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(cmake g++ make llvm-14-dev libgtest-dev libsentencepiece-dev liblzma-dev xz-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing packages: ${missing[*]} (hint: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
