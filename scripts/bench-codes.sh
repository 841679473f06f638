#!/usr/bin/env bash
# Benchmarks of the codes issue (docs/benchmarks.md):
#  1. export 10,000,000 GS1 Digital Link codes of one batch to a file, as a
#     ratio to `seq -f` writing the same number of lines of the same length;
#  2. store growth: bytes the SQLite file gains when a 10-code batch and a
#     10,000,000-code batch are filed, approved and activated;
#  3. `cargo bench --bench verify`: scanned codes verified per second per core.
# Usage: bash scripts/bench-codes.sh [N]   (N defaults to 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
source scripts/bench-setup.sh

db_bytes() { # bytes of row content stored (SQLite's dbstat payload), all tables and indexes
  sqlite3 "$DATA/zhisu.db" 'pragma wal_checkpoint(truncate);' >/dev/null
  sqlite3 "$DATA/zhisu.db" 'select sum(payload) from dbstat;'
}
before=$(db_bytes); SMALL=$(issue_batch 10 SMALL); after_small=$(db_bytes)
BIG=$(issue_batch "$N" BIG); after_big=$(db_bytes)
stop_server

best() { # command... -> best of 3 wall-clock seconds
  local best=999999 t
  for _ in 1 2 3; do
    t=$(python3 - "$@" <<'PY'
import subprocess, sys, time
start = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(time.perf_counter() - start)
PY
)
    best=$(python3 -c "print(min($best, $t))")
  done
  echo "$best"
}
OUT=$WORK/codes.txt
SEQ_OUT=$WORK/seq.txt
# The same line length: BASE/01/GTIN/21/ + 17 serial characters.
SEQ_FORMAT="$BASE/01/06970000000017/21/0%016.0f"
t_export=$(best "$BIN" codes export --data "$DATA" --public-url "$BASE" --batch "$BIG" --out "$OUT")
t_seq=$(best sh -c "seq -f '$SEQ_FORMAT' 1 $N > '$SEQ_OUT'")
lines=$(wc -l < "$OUT"); len_export=$(head -1 "$OUT" | wc -c); len_seq=$(head -1 "$SEQ_OUT" | wc -c)
unique=$(sort -u "$OUT" | wc -l)
ratio=$(python3 -c "print(f'{$t_export / $t_seq:.2f}')")

VERIFY=$(cargo bench -q -p zhisu-codes --bench verify 2>/dev/null | grep '^verify:')

cat <<MD
Run on $(date -u +%Y-%m-%d) ($(nproc) cores), \`bash scripts/bench-codes.sh $N\`:

| measure | result | target |
| --- | --- | --- |
| export $N codes (\`zhisu codes export\`, best of 3) | ${t_export%.*}.$(printf '%s' "${t_export#*.}" | cut -c1-2) s | |
| \`seq -f\`, same lines and line length ($len_export bytes) | ${t_seq%.*}.$(printf '%s' "${t_seq#*.}" | cut -c1-2) s | |
| **export ÷ seq** | **$ratio×** | ≤ 3× |
| lines written / distinct | $lines / $unique | all distinct |
| store growth (row bytes), 10-code batch filed, submitted, activated | $((after_small - before)) bytes | |
| store growth (row bytes), $N-code batch filed, submitted, activated | $((after_big - after_small)) bytes | the same few KB |
| $VERIFY | | ≥ 1,000,000/s per core |
MD
