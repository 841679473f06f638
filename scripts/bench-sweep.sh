#!/usr/bin/env bash
# Issue 17's targets for the verification sweep (docs/benchmarks.md): a full
# sweep of every rule over 1,000,000 records of 10,000 enterprises within 5×
# the `sqlite3` shell reading the same bodies, and a sweep after 1,000
# changes under a second. Seeds a real SQLite file, sweeps it in full
# BENCH_RUNS times (4 by default: the first, which looks at every file,
# shown apart; the median of the rest), changes 1,000 records through the
# service, sweeps again
# (incremental). The baseline runs in the same process, on the same file.
# Needs the sqlite3 shell (apt-get install sqlite3).
# Usage: bash scripts/bench-sweep.sh [ENTERPRISES]   (100 records each)
set -euo pipefail
cd "$(dirname "$0")/.."
E=${1:-10000}
command -v sqlite3 >/dev/null || { echo "the sqlite3 shell is needed: apt-get install sqlite3" >&2; exit 1; }
cargo bench -p zhisu --bench sweep --no-run -q 2>/dev/null || cargo bench -p zhisu --bench sweep --no-run
BIN=$(ls -t target/release/deps/sweep-* | grep -v '\.d$' | head -1)
export BENCH_DIR=$(mktemp -d)
trap 'rm -rf "$BENCH_DIR"' EXIT
# zhisu_service at info prints each sweep's phases (read, rules, store).
export RUST_LOG=${RUST_LOG:-warn,zhisu_service=info}
"$BIN" "$E"
