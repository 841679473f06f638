#!/usr/bin/env bash
# Issue 18's target for statistics (docs/benchmarks.md): on the SQLite
# default with 10,000,000 scans, 1,000,000 flow lines and 100,000 products,
# a summary answers from the rollups in under 100 ms (p95), against the same
# figures by a direct `group by` over the raw tables, run in the same
# process on the same file (and checked equal). Seeds a real SQLite file
# (about 2 GB in a temporary folder), folds the scans into the statistics
# through the service (timed), then reads summaries for five views.
# Usage: bash scripts/bench-statistics.sh [SCANS] [PRODUCTS]
# (BENCH_KEEP=DIR keeps the seeded file in DIR and reuses it on the next run.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p zhisu --bench statistics --no-run -q 2>/dev/null || cargo bench -p zhisu --bench statistics --no-run
BIN=$(ls -t target/release/deps/statistics-* | grep -v '\.d$' | head -1)
export BENCH_DIR=$(mktemp -d)
trap 'rm -rf "$BENCH_DIR"' EXIT
export RUST_LOG=${RUST_LOG:-warn,sqlx=error}
"$BIN" "$@"
