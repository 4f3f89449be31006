#!/usr/bin/env bash
# Builds every cargo-fuzz target of fuzz/ with AddressSanitizer and runs each for
# FUZZ_SECONDS (default 60) from a copy of its seed corpus (fuzz/corpus/<target>), so the
# repository does not grow. Fails on any crash, assertion, leak, timeout or out-of-memory;
# the failing input is kept under target/fuzz-artifacts/<target>/.
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer=address and the sancov passes);
# on this stable toolchain they are allowed with RUSTC_BOOTSTRAP=1, and the sanitizer
# runtimes ship with the stable toolchain, so no -Zbuild-std is needed (the standard
# library itself is not instrumented, but every allocation is: ASan intercepts malloc).
#
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (space-separated subset),
# FUZZ_SANITIZER (address, or none for speed).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
secs="${FUZZ_SECONDS:-60}"
san="${FUZZ_SANITIZER:-address}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "test-fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked, about 2 minutes)"
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir fuzz)}"
echo "test-fuzz: building $(echo $targets | wc -w) targets (sanitizer: $san)"
buildlog=$(mktemp)
build() { cargo fuzz build --fuzz-dir fuzz -a --sanitizer "$san" "$@" >>"$buildlog" 2>&1; }
ok=1
if [ -z "${FUZZ_TARGETS:-}" ]; then
  build || ok=0
else
  for t in $targets; do build "$t" || ok=0; done
fi
if [ "$ok" = 0 ]; then
  tail -n 30 "$buildlog"
  rm -f "$buildlog"
  echo "test-fuzz: FAILED: the fuzz targets do not build"
  exit 1
fi
rm -f "$buildlog"
bin=fuzz/target/x86_64-unknown-linux-gnu/release
built=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
total=0
summary=""
for t in $targets; do
  mkdir -p "$work/corpus/$t" "$work/art/$t"
  cp fuzz/corpus/"$t"/* "$work/corpus/$t/" 2>/dev/null || true
  log="$work/$t.log"
  set +e
  # One worker (the machine is shared); libFuzzer stops at the first crash.
  "$bin/$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/art/$t/" "$work/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  total=$((total + ${execs:-0}))
  if [ "$rc" != 0 ]; then
    fail=$((fail + 1))
    mkdir -p target/fuzz-artifacts/"$t"
    cp "$work/art/$t/"* target/fuzz-artifacts/"$t"/ 2>/dev/null || true
    echo "test-fuzz: $t FAILED (exit $rc); input(s) kept in target/fuzz-artifacts/$t/:"
    ls target/fuzz-artifacts/"$t"/ 2>/dev/null | sed 's/^/    /'
    grep -E -m 20 'panicked|ERROR|SUMMARY|failed' "$log" | sed 's/^/    /' || true
    echo "    replay: $bin/$t target/fuzz-artifacts/$t/<file>"
    summary="$summary $t:FAILED"
  else
    printf 'test-fuzz: %-12s ok  %8s execs  %s\n' "$t" "$execs" "$cov"
    summary="$summary $t:ok"
  fi
done
end=$(date +%s)
n=$(echo $targets | wc -w)
if [ "$fail" != 0 ]; then
  echo "test-fuzz: $((n - fail)) passed, $fail failed"
  echo "test-fuzz: FAILED: $fail of $n targets crashed ($summary ) in $((end - start))s"
  exit 1
fi
echo "test-fuzz: $n passed, 0 failed"
echo "test-fuzz: ok, $n targets x ${secs}s, $total execs, 0 crashes (build $((built - start))s, total $((end - start))s)"
