#!/usr/bin/env bash
# The whole test suite, as CI runs it (README's second command). Installs what it needs:
# Go 1.19 (Debian's golang-1.19-go) for the tests that compare with real Go.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n==== %s (%s)\n' "$1" "$(date +%T)"; }

# Everything printed is also kept, to count the tests at the end.
mkdir -p target
log=target/test-all.log
exec > >(tee "$log") 2>&1

# --- Go 1.19: the oracle of the differential tests -------------------------------------
have_go119() {
  [ -x /usr/lib/go-1.19/bin/go ] && return 0
  command -v go >/dev/null 2>&1 && go version 2>/dev/null | grep -q 'go1\.19' && return 0
  [ -n "${GO:-}" ] && "$GO" version 2>/dev/null | grep -q 'go1\.19'
}
if ! have_go119; then
  stage "installing Go 1.19"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go >/dev/null
  fi
fi
have_go119 || { echo "FATAL: Go 1.19 is required (apt-get install golang-1.19-go)"; exit 1; }
export GO="${GO:-/usr/lib/go-1.19/bin/go}"
[ -x "$GO" ] || GO=go

# --- Rust tests: unit, integration (Go vectors, C ABI, toy VM), doc tests ---------------
# Both workspace crates: the library `gomap` (root) and `gomap-tools` (tools/: the CLI, the
# trace language with the differential test, the tour).
stage "cargo test"
cargo test --workspace --all-targets
cargo test --workspace --doc

# --- Differential suite against Go 1.19 ------------------------------------------------
stage "differential suite: 240 generated traces + 2 large, dumps compared in full"
cargo build --release -q -p gomap-tools --bin gomap
./target/release/gomap diff --count 240 --large 2 --seed "${GOMAP_DIFF_SEED:-1}" --work target/diff
# Hand-written traces shipped with the oracle.
./target/release/gomap diff --oracle target/diff/bin/gomap-oracle --work target/diff tests/go/oracle/testdata

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  stage "$extra"
  bash "$extra"
done
stage "done"
# One closing line over every runner above (cargo test, the differential suite, the
# scripts' own summaries of the form "NAME: N passed, M failed").
awk '
  /^test result: /   { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
  /^[a-z-]+: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
  END { printf "all: %d passed, %d failed\n", p, f; exit (f > 0) }
' "$log"
