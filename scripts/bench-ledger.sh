#!/usr/bin/env bash
# Benchmarks of the tamper-evident ledger (docs/benchmarks.md, issue #4):
#  1. append: leaf hash + Merkle tree append vs SHA-256 of the same leaf
#     bytes alone, one run, in memory (what the checkpointer does per leaf);
#  2. commit: audited writes from 8 concurrent writers, durable at the
#     checkpoint (group commit) vs a durable commit after every leaf, each
#     also under `strace -c` to count fsyncs;
#  3. proofs: N leaves (default 10,000,000) in a real SQLite file; the stored
#     tree is built once; 2,000 inclusion and 2,000 consistency proofs
#     through the service, each verified; baseline: reading every leaf,
#     which is what each proof cost before the stored tree;
#  4. verify: `ledger verify` over N real record versions (with the progress
#     callback the CLI's bar uses), against hashing the same leaf bytes.
# Usage: bash scripts/bench-ledger.sh [N]   (needs strace for the fsync counts)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
cargo bench -p zhisu --bench ledger --no-run -q 2>/dev/null || cargo bench -p zhisu --bench ledger --no-run
BIN=$(ls -t target/release/deps/ledger-* | grep -v '\.d$' | head -1)
export BENCH_DIR=$(mktemp -d)
trap 'rm -rf "$BENCH_DIR"' EXIT
export RUST_LOG=warn

"$BIN" append 1000000
for mode in group per-leaf; do
  arg=$([ "$mode" = per-leaf ] && echo per-leaf || true)
  "$BIN" commit 2000 8 $arg
  if command -v strace >/dev/null; then
    strace -f -c -e trace=fsync,fdatasync -o "$BENCH_DIR/strace.txt" "$BIN" commit 2000 8 $arg >/dev/null
    echo "commit | $mode | fsync calls for 2000 writes (process total, incl. start-up): $(awk '$NF ~ /^(fsync|fdatasync)$/ {s += $4} END {print s}' "$BENCH_DIR/strace.txt")"
  fi
done
"$BIN" proofs "$N"
"$BIN" verify "$N"
