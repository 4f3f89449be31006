#!/usr/bin/env bash
# AddressSanitizer (with LeakSanitizer) over the unit and integration tests and over a
# replay of every fuzz target's seed corpus.
#
# How, on the stable toolchain: RUSTC_BOOTSTRAP=1 allows the nightly flag
# -Zsanitizer=address; the ASan runtime (librustc-stable_rt.asan.a) ships with the stable
# toolchain. An explicit --target keeps build scripts and proc-macros uninstrumented (as
# the flag requires), and a separate target directory keeps the normal build's cache
# intact. The standard library is not rebuilt (-Zbuild-std needs the rust-src component
# and a nightly cargo): std's own code is not instrumented, but every heap block is (ASan
# replaces malloc/free), so use-after-free, double free, overflows of heap and stack
# buffers in the crate, and leaks are all caught.
#
# Tests that spawn Go or a C compiler (differential, hash_vectors, ffi, tour) are left to
# scripts/test.sh. Bounded by ASAN_TIMEOUT seconds per test binary (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export RUSTC_BOOTSTRAP=1
triple=$(rustc -vV | sed -n 's/^host: //p')
per="${ASAN_TIMEOUT:-300}"
# typed_gostr and typed_gostr_swiss are not here: their allocator keeps every freed block
# (scribbled, never reused) to catch use after free and count leaks itself, which
# LeakSanitizer reports as leaks.
tests="${ASAN_TESTS:-regressions bad_descriptors iter map_test seeds typed typed_swiss typed_keys typed_keys_swiss key_drop_panics typed_swiss_dump toyvm fast_paths safe_api safe_api_swiss soundness_hashkeys ffi_reentry ffi_swiss ffi_typed swiss_map_test swiss_fallback_hash}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0:exitcode=86}"

args=()
for t in $tests; do args+=(--test "$t"); done
log=$(mktemp)
supp=$(mktemp)
trap 'rm -f "$log" "$supp"' EXIT
# The #[should_panic] unit tests of the fast paths panic inside a map operation by design
# and never free their map; a GoMap poisoned by an out-of-memory panic is freed without
# dropping its entries (leaked rather than guessed at), which one regression test checks:
# the only leaks allowed.
cat >"$supp" <<'SUPP'
leak:*::tests::*_is_fatal
leak:regressions::clear_of_a_poisoned_map_drops_nothing
SUPP
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fail=0
ran=0

t0=$(date +%s)
echo "test-asan: building the tests with -Zsanitizer=address (target/asan)"
asan_cargo() {
  RUSTFLAGS="-Zsanitizer=address -Cdebug-assertions" CARGO_TARGET_DIR=target/asan \
    timeout 1200 cargo "$@"
}
if ! asan_cargo test -p gomap --no-run -q --target "$triple" --lib "${args[@]}" >"$log" 2>&1; then
  echo "test-asan: FAILED: the tests do not build with -Zsanitizer=address"
  tail -n 30 "$log"
  exit 1
fi
list=$(asan_cargo test -p gomap --no-run --target "$triple" --lib "${args[@]}" --message-format=json 2>/dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    try: m = json.loads(line)
    except ValueError: continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] != ["bin"]:
        print("lib" if "lib" in m["target"]["kind"] else m["target"]["name"], m["executable"])
')
echo "test-asan: built ($(( $(date +%s) - t0 ))s)"
passed=0
while read -r name exe; do
  t1=$(date +%s)
  set +e
  timeout "$per" "$exe" -q --test-threads=2 >"$log" 2>&1
  rc=$?
  set -e
  n=$(grep -E '^test result:' "$log" | grep -o '[0-9]* passed' | grep -o '[0-9]*' | tail -n 1)
  passed=$((passed + ${n:-0}))
  if [ "$rc" = 0 ]; then
    echo "test-asan: $name ok, ${n:-0} tests ($(( $(date +%s) - t1 ))s)"
  else
    fail=$((fail + 1))
    echo "test-asan: $name FAILED (exit $rc$([ "$rc" = 124 ] && echo ", timeout ${per}s"))"
    grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY|panicked|FAILED' "$log" | head -n 40 || true
  fi
  ran=$((ran + 1))
done <<<"$list"

# The fuzz targets, without libFuzzer: the plain corpus replayer, instrumented.
t0=$(date +%s)
set +e
RUSTFLAGS="-Zsanitizer=address -Cdebug-assertions" CARGO_TARGET_DIR=target/asan-fuzz \
  cargo build -q --manifest-path fuzz/Cargo.toml --example corpus_replay --target "$triple" >"$log" 2>&1 &&
  timeout "$per" target/asan-fuzz/"$triple"/debug/examples/corpus_replay fuzz/corpus >>"$log" 2>&1
rc=$?
set -e
if [ "$rc" = 0 ]; then
  echo "test-asan: fuzz corpus replay ok ($(( $(date +%s) - t0 ))s) $(tail -n 1 "$log")"
else
  fail=$((fail + 1))
  echo "test-asan: fuzz corpus replay FAILED (exit $rc)"
  grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY|panicked|^error' "$log" | head -n 40 || true
fi
ran=$((ran + 1))

if [ "$fail" != 0 ]; then
  echo "test-asan: $((ran - fail)) passed, $fail failed"
  echo "test-asan: FAILED: $fail of $ran runs had findings ($(( $(date +%s) - start ))s)"
  exit 1
fi
echo "test-asan: $ran passed, 0 failed"
echo "test-asan: ok, $passed tests + fuzz corpus replay, 0 ASan/LSan reports ($(( $(date +%s) - start ))s)"
