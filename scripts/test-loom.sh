#!/usr/bin/env bash
# Model-checks the misuse detector (the hashWriting flag protocol) with loom:
# tests/loom.rs and tests/swiss_loom.rs (the Swiss map's `writing` byte), built with --cfg
# loom (the flag bytes become loom's AtomicU8). Uses its
# own target directory so that the --cfg loom build does not invalidate the normal one.
# Bounded: the models are small (a few thousand executions each); the whole run is
# limited to LOOM_TIMEOUT seconds (default 900, including the build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "test-loom: cargo is required"; exit 1; }
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
  timeout "${LOOM_TIMEOUT:-900}" cargo test -p gomap --release --test loom --test swiss_loom 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -o 'test result: [a-zA-Z]*\. [0-9]* passed' "$log" | grep -o '[0-9]* passed' | head -1)
if [ "$rc" = 124 ]; then
  echo "test-loom: TIMEOUT after ${LOOM_TIMEOUT:-900}s"
  exit 1
fi
if [ "$rc" != 0 ]; then
  echo "test-loom: FAILED (exit $rc) in $(( $(date +%s) - start ))s"
  exit 1
fi
echo "test-loom: ok, ${passed:-? passed} loom models in $(( $(date +%s) - start ))s"
