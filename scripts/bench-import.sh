#!/usr/bin/env bash
# Issue 19.3's targets for imports (docs/benchmarks.md): 100,000 batch rows
# from one XLSX file imported on the SQLite default within 5× the time
# calamine alone takes to read the same file, and the same file again
# (nothing created) within 2×; the baseline runs in the same process.
# Usage: bash scripts/bench-import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
cargo bench -p zhisu --bench import --no-run -q 2>/dev/null || cargo bench -p zhisu --bench import --no-run
BIN=$(ls -t target/release/deps/import-* | grep -v '\.d$' | head -1)
export BENCH_DIR=$(mktemp -d)
trap 'rm -rf "$BENCH_DIR"' EXIT
export RUST_LOG=${RUST_LOG:-warn}
"$BIN" "$ROWS"
