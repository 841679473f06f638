#!/usr/bin/env bash
# Benchmark of the recall trace (docs/benchmarks.md): a batch of 1,000
# items sold through three levels of distribution (producer → 10
# distributors → 100 retailers → 1,000 consumers, every sale recorded
# through the API), among 1,000,000 other sale lines in the store; then
# `GET /api/v1/recalls/{id}/trace` timed over 20 runs, with `GET /healthz`
# timed the same way as the baseline (the cost of any request).
# Usage: bash scripts/bench-recall.sh [OTHER_LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
OTHER=${1:-1000000}
source scripts/bench-setup.sh

BATCH=$(issue_batch 1000 RECALL-BENCH)
# 110 sellers on the platform.
python3 - "http://127.0.0.1:$PORT" "$KEY" "$SHA" "$PRODUCT" "$BATCH" "$BASE" "$WORK/chain.json" <<'PY'
import json, sys, urllib.request, datetime
url, key, sha, product, batch, base, out = sys.argv[1:]
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [pow(3, i, 31) for i in range(17)]
def uscc(n):
    body = f"91440300MA{n:05d}X"[:16]
    body = body[:15] + "7"
    val = lambda ch: int(ch) if ch.isdigit() else ord(ch) - 55
    oc = 11 - sum(val(c) * w for c, w in zip(body[8:16], [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    u = body + {10: 'X', 11: '0'}.get(oc, str(oc))
    return u + CS[(31 - sum(CS.index(c) * w for c, w in zip(u, W)) % 31) % 31]
sellers = []
for i in range(110):
    e = call("POST", "/api/v1/enterprises", {"kind": "seller", "name": f"经销商{i}", "uscc": uscc(i + 1), "address": "广州",
        "region_code": "440106", "contact_phone": "020-12345678", "business_licence": sha})
    sellers.append(e["id"])
maker = call("GET", f"/api/v1/batches/{batch}")["enterprise_id"]
plan = urllib.request.Request(url + f"/api/v1/batches/{batch}/codes?format=txt", headers={"Authorization": "Bearer " + key})
codes = urllib.request.urlopen(plan).read().decode().split()
today = datetime.date.today().isoformat()
def sell(seller, buyer, chunk, name=None):
    body = {"enterprise_id": seller, "kind": "sale", "at": today, "lines": [{"code": c} for c in chunk]}
    if buyer is None:
        body.update(counterparty_name=name, counterparty_address="广州市", counterparty_contact="13800000000")
    else:
        body["counterparty_id"] = buyer
    call("POST", "/api/v1/flows", body)
dist, shops = sellers[:10], sellers[10:]
for d in range(10):
    sell(maker, dist[d], codes[d * 100:(d + 1) * 100])
    for r in range(10):
        shop = shops[d * 10 + r]
        start = d * 100 + r * 10
        sell(dist[d], shop, codes[start:start + 10])
        for c in range(10):
            sell(shop, None, codes[start + c:start + c + 1], name=f"消费者{start + c}")
rec = call("POST", "/api/v1/recalls", {"product_id": int(product), "batch_ids": [int(batch)], "reason": "bench"})
json.dump({"recall": rec["id"], "maker": maker}, open(out, "w"))
PY
RECALL=$(python3 -c "import json; print(json.load(open('$WORK/chain.json'))['recall'])")
stop_server
# One million other sale lines, of other batches, behind the platform's back.
FLOW_ID=$(sqlite3 "$DATA/zhisu.db" "select min(id) from records where kind = 'flow'")
sqlite3 "$DATA/zhisu.db" "with recursive n(i) as (select 1 union all select i + 1 from n where i < $OTHER)
  insert into flow_lines (flow_id, kind, from_id, to_id, code, batch_id, quantity, at)
  select $FLOW_ID, 'sale', 1 + i % 97, 2 + i % 89, '(01)06970000000017(21)N' || i, 100000 + i % 5000, 1, '2026-11-01' from n;"
LINES=$(sqlite3 "$DATA/zhisu.db" 'select count(*) from flow_lines')
start_server

python3 - "http://127.0.0.1:$PORT" "$KEY" "$RECALL" "$LINES" "$(nproc)" <<'PY'
import json, sys, time, urllib.request, statistics, datetime
url, key, recall, lines, cores = sys.argv[1:]
def timed(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + key})
    s = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
    return time.perf_counter() - s, body
timed(f"/api/v1/recalls/{recall}/trace")  # warm
traces = [timed(f"/api/v1/recalls/{recall}/trace") for _ in range(20)]
health = [timed("/healthz")[0] for _ in range(20)]
trace = json.loads(traces[0][1])
levels = sorted({h["level"] for h in trace["holders"]})
t = sorted(x[0] for x in traces)
print(f"Run on {datetime.date.today()} ({cores} cores), `bash scripts/bench-recall.sh`: a batch of 1,000 items sold through "
      f"three levels (10 distributors, 100 retailers, 1,000 consumers: {trace['lines']:,} sale lines of the batch), "
      f"{int(lines):,} sale lines in the store; 20 runs each:\n")
print("| measure | median | max | target |")
print("| --- | --- | --- | --- |")
print(f"| baseline: `GET /healthz` | {statistics.median(health)*1000:.1f} ms | {max(health)*1000:.1f} ms | |")
print(f"| `GET /api/v1/recalls/{{id}}/trace` | **{statistics.median(t)*1000:.1f} ms** | {t[-1]*1000:.1f} ms | < 100 ms |")
print(f"\nHolders found: {len(trace['holders']):,} at levels {levels}; trace ÷ healthz (median): "
      f"{statistics.median(t)/statistics.median(health):.0f}×.")
PY
