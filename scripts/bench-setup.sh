# Shared by the benchmark scripts: builds the release binary, starts a
# server on a fresh data folder with a platform-admin key, and files one
# manufacturer with one 一物一码 product. Defines `api`, `json`,
# `issue_batch QUANTITY BATCH_NO`, `start_server` and `stop_server`.
# Expects: set -euo pipefail, the repository root as working directory.
# With DATABASE_URL set, the server keeps its data there (PostgreSQL).
cargo build --release -q -p zhisu
BIN=$PWD/target/release/zhisu
WORK=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; [ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"; rm -rf "$WORK"' EXIT
DATA=$WORK/data
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=https://trace.example.gov.cn
export RUST_LOG=warn
DB_ARGS=()
[ -n "${DATABASE_URL:-}" ] && DB_ARGS=(--database-url "$DATABASE_URL")

"$BIN" admin create-user --data "$DATA" "${DB_ARGS[@]}" --login bench --role platform-admin --password Quality-Trace-2026! >/dev/null
KEY=$("$BIN" admin create-api-key --data "$DATA" "${DB_ARGS[@]}" --role platform-admin)
stop_server() { kill $SERVER; wait $SERVER 2>/dev/null || true; }
start_server() {
  ${SERVER_PREFIX:-} "$BIN" serve --data "$DATA" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT" --public-url "$BASE" >/dev/null 2>${SERVER_LOG:-/dev/null} &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
start_server
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

issue_batch() { # quantity batch_no -> batch id
  local id
  id=$(api -X POST "http://127.0.0.1:$PORT/api/v1/batches" -d "{\"product_id\":$PRODUCT,\"batch_no\":\"$2\",\"production_date\":\"2026-11-01\",\"quantity\":$1,\"inspection_report\":\"$SHA\"}" | json "['id']")
  api -X POST "http://127.0.0.1:$PORT/api/v1/batches/$id/submit" >/dev/null
  api -X POST "http://127.0.0.1:$PORT/api/v1/batches/$id/activate" >/dev/null
  echo "$id"
}
