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
cargo build --release -q -p zhisu
BIN=$PWD/target/release/zhisu
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DATA=$WORK/data
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=https://trace.example.gov.cn
export RUST_LOG=warn

"$BIN" admin create-user --data "$DATA" --login bench --role platform-admin --password bench-password >/dev/null
KEY=$("$BIN" admin create-api-key --data "$DATA" --role platform-admin)
"$BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" --public-url "$BASE" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

printf '%%PDF-1.4\n%% bench\n' > "$WORK/r.pdf"
SHA=$(curl -sf -H "Authorization: Bearer $KEY" -F "file=@$WORK/r.pdf" "http://127.0.0.1:$PORT/api/v1/blobs" | json "['sha256']")
# A valid USCC (GB 32100 check characters computed here).
USCC=$(python3 - <<'PY'
CS="0123456789ABCDEFGHJKLMNPQRTUWXY"
W=[pow(3,i,31) for i in range(17)]
body="91440300MA5G2K7C"
val=lambda ch: int(ch) if ch.isdigit() else ord(ch)-55
oc=11-sum(val(c)*w for c,w in zip(body[8:16],[3,7,9,10,5,8,4,2]))%11
u=body+{10:'X',11:'0'}.get(oc,str(oc))
print(u+CS[(31-sum(CS.index(c)*w for c,w in zip(u,W))%31)%31])
PY
)
ENT=$(api -X POST "http://127.0.0.1:$PORT/api/v1/enterprises" -d "{\"kind\":\"manufacturer\",\"name\":\"基准测试电缆厂\",\"uscc\":\"$USCC\",\"address\":\"深圳\",\"region_code\":\"440306\",\"contact_phone\":\"0755-12345678\",\"business_licence\":\"$SHA\"}" | json "['id']")
PRODUCT=$(api -X POST "http://127.0.0.1:$PORT/api/v1/products" -d "{\"enterprise_id\":$ENT,\"product_name\":\"燃气灶\",\"product_type\":\"灶具\",\"model\":\"B-1\",\"category\":\"gas-appliance\",\"mandatory_standards\":[\"GB 16410-2020\"],\"ccc_cert_no\":\"2021010101123456\",\"warranty_months\":12,\"instructions\":\"x\",\"code_scheme\":\"gs1\",\"trace_level\":\"per-item\",\"gtin\":\"6970000000017\"}" | json "['id']")

db_bytes() { # bytes of row content stored (SQLite's dbstat payload), all tables and indexes
  sqlite3 "$DATA/zhisu.db" 'pragma wal_checkpoint(truncate);' >/dev/null
  sqlite3 "$DATA/zhisu.db" 'select sum(payload) from dbstat;'
}
issue_batch() { # quantity batch_no -> batch id
  local id
  id=$(api -X POST "http://127.0.0.1:$PORT/api/v1/batches" -d "{\"product_id\":$PRODUCT,\"batch_no\":\"$2\",\"production_date\":\"2026-11-01\",\"quantity\":$1,\"inspection_report\":\"$SHA\"}" | json "['id']")
  api -X POST "http://127.0.0.1:$PORT/api/v1/batches/$id/submit" >/dev/null
  api -X POST "http://127.0.0.1:$PORT/api/v1/batches/$id/activate" >/dev/null
  echo "$id"
}
before=$(db_bytes); SMALL=$(issue_batch 10 SMALL); after_small=$(db_bytes)
BIG=$(issue_batch "$N" BIG); after_big=$(db_bytes)
kill $SERVER; wait $SERVER 2>/dev/null || true

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
