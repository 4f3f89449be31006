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
# Two modes. Exploring (the default on a developer's machine): FUZZ_SECONDS per target
# from a random libFuzzer seed. Fixed (FUZZ_FIXED=1, the default when CI is set): libFuzzer
# seed 1 and a fixed number of runs per target (the table below, about 30 s each with ASan
# on 2 shared cores), and every target fixes the map's random sources and hash keys per
# input (gomap_fuzz::fix_random), so CI runs the same inputs each time and cannot fail by
# chance. A crash found while exploring is kept as a seed of fuzz/corpus/<target>/ (and as
# a regression test), so the fixed run replays it from then on.
#
# Environment: FUZZ_SECONDS (per target; in the fixed mode a time cap of 3x that),
# FUZZ_TARGETS (space-separated subset), FUZZ_SANITIZER (address, or none for speed),
# FUZZ_FIXED (1 or 0), FUZZ_RUNS_SCALE (percent of the table's runs, default 100).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
secs="${FUZZ_SECONDS:-60}"
san="${FUZZ_SANITIZER:-address}"
if [ -n "${CI:-}" ]; then fixed="${FUZZ_FIXED:-1}"; else fixed="${FUZZ_FIXED:-0}"; fi
scale="${FUZZ_RUNS_SCALE:-100}"
# Runs per target in the fixed mode.
runs_of() {
  case "$1" in
    hash) echo 2000000 ;;
    iter_mutate) echo 30000 ;;
    maptype) echo 25000 ;;
    ops_fast32 | ops_fast64 | ops_generic) echo 15000 ;;
    ops_faststr) echo 8000 ;;
    ops_swiss) echo 1200 ;;
    replay) echo 20000 ;;
    typed) echo 5000 ;;
    *) echo 10000 ;;
  esac
}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "test-fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked, about 2 minutes)"
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir fuzz)}"
echo "test-fuzz: building $(echo $targets | wc -w) targets (sanitizer: $san; fixed mode: $fixed)"
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
  if [ "$fixed" = 1 ]; then
    mode=(-seed=1 -runs=$(($(runs_of "$t") * scale / 100)) -max_total_time=$((secs * 3)))
  else
    mode=(-max_total_time="$secs")
  fi
  t0=$(date +%s)
  "$bin/$t" "${mode[@]}" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
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
    printf 'test-fuzz: %-12s ok  %8s execs  %4ss  %s\n' "$t" "$execs" "$(($(date +%s) - t0))" "$cov"
    if [ "$fixed" = 1 ] && [ "${execs:-0}" -lt "$(($(runs_of "$t") * scale / 100))" ]; then
      echo "test-fuzz: warning: $t reached its time cap before its runs: this run is not reproducible"
    fi
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
if [ "$fixed" = 1 ]; then what="fixed seed and runs"; else what="${secs}s each"; fi
echo "test-fuzz: ok, $n targets ($what), $total execs, 0 crashes (build $((built - start))s, total $((end - start))s)"
