#!/usr/bin/env bash
# Benchmark of the public scan (docs/benchmarks.md): a 一物一码 code scanned
# through the resolver, JSON and HTML, scan logging on, on the SQLite
# default with a 10,000,000-code batch issued and 1,000,000 scans already
# logged; compared with nginx (Debian package) serving a small static file
# on the same machine in the same run, both driven by wrk on loopback.
# Afterwards the server is stopped and the stored scans are counted: every
# answered request must be there.
# Needs: nginx, wrk (apt-get install nginx-light wrk), sqlite3, python3.
# Usage: bash scripts/bench-scan.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}
for tool in nginx wrk sqlite3; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install nginx-light wrk sqlite3" >&2; exit 1; }
done
source scripts/bench-setup.sh

BATCH=$(issue_batch 10000000 SCAN-BENCH)
stop_server

# 100,000 codes to scan (about 16 scans each over the whole script, a few
# dozen at most: under the counterfeit limit of 50, as most real codes are),
# 1,000,000 earlier scans of others.
"$BIN" codes export --data "$DATA" --public-url "$BASE" --batch "$BATCH" --from 5000000 --count 100000 --out "$WORK/scan-codes.txt" 2>/dev/null
"$BIN" codes export --data "$DATA" --public-url "$BASE" --batch "$BATCH" --count 1000000 --out "$WORK/old-codes.txt" 2>/dev/null
python3 - "$DATA/zhisu.db" "$WORK/old-codes.txt" "$BATCH" <<'PY'
import sqlite3, sys, datetime
db, codes, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = sqlite3.connect(db)
product = conn.execute("select parent_id from records where id = ?", (batch,)).fetchone()[0]
at = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc).isoformat().replace("+00:00", "Z")
keys = []
for line in open(codes):
    path = line.strip().split("/01/", 1)[1]
    gtin, serial = path.split("/21/")
    keys.append(f"(01){gtin}(21){serial}")
conn.executemany("insert into scans (code, product_id, batch_id, at, client) values (?, ?, ?, ?, 'browser')",
                 ((k, product, batch, at) for k in keys))
conn.executemany("insert into scan_counts (code, count, first_at) values (?, 1, ?)", ((k, at) for k in keys))
# Folded: the summaries above already count these scans.
conn.execute("update scan_fold set upto = (select max(id) from scans)")
conn.commit()
PY
BEFORE=$(sqlite3 "$DATA/zhisu.db" 'select count(*) from scans')

# wrk picks a random code of the 100,000 per request. Each thread of each
# run draws its own sequence: with one seed for all, every thread and run
# would scan the same codes in the same order, and the codes drawn most
# often would pass the counterfeit limit by the third round.
python3 - "$WORK/scan-codes.txt" "$WORK/paths.lua" <<'PY'
import sys
paths = ['"/' + l.strip().split("://", 1)[1].split("/", 1)[1] + '"' for l in open(sys.argv[1])]
seeding = ("local threads = 0\n"
           "function setup(thread) threads = threads + 1; thread:set('id', threads) end\n"
           "function init(args) math.randomseed(os.time() * 64 + id) end\n")
with open(sys.argv[2], "w") as f:
    f.write("local paths = {" + ",".join(paths) + "}\n" + seeding)
    f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
# nginx gets the same client work: a Lua request function per request.
with open(sys.argv[2].replace("paths.lua", "static.lua"), "w") as f:
    f.write("local paths = {" + ",".join(paths) + "}\n" + seeding)
    f.write("request = function() local _ = paths[math.random(#paths)]; return wrk.format('GET', '/small.txt') end\n")
PY

# nginx serving a small static file.
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/html" "$WORK/nginx/logs"
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/nginx/html/small.txt"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/html; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
NGINX=$!
EXTRA_CLEANUP="kill $NGINX 2>/dev/null || true"
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/small.txt" >/dev/null && break; sleep 0.1; done

run_wrk() { # label, extra wrk args... -> "label rps p99_ms requests"
  local label=$1; shift
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" > "$WORK/wrk-$label.txt"
  python3 - "$WORK/wrk-$label.txt" "$label" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(sys.argv[2], rps, p99, requests, errors.group(1) if errors else 0)
PY
}

start_server
# Warm up: the codes' summaries and the product, batch and producer in the cache.
read -r _ _ _ w_req _ < <(CONNECTIONS=8 run_wrk warm -s "$WORK/paths.lua" -H 'Accept: application/json' "http://127.0.0.1:$PORT")
# Three rounds of nginx, JSON, HTML in turn (the machine is shared and
# its speed drifts); each line keeps the best of its three runs.
best() { sort -k2 -g -r | head -1; }
: > "$WORK/runs.txt"
for round in 1 2 3; do
  run_wrk nginx -s "$WORK/static.lua" "http://127.0.0.1:$NGINX_PORT" >> "$WORK/runs.txt"
  run_wrk json -s "$WORK/paths.lua" -H 'Accept: application/json' "http://127.0.0.1:$PORT" >> "$WORK/runs.txt"
  run_wrk html -s "$WORK/paths.lua" -H 'Accept: text/html' "http://127.0.0.1:$PORT" >> "$WORK/runs.txt"
done
read -r _ n_rps n_p99 _ _ < <(grep '^nginx ' "$WORK/runs.txt" | best)
read -r _ j_rps j_p99 _ _ < <(grep '^json ' "$WORK/runs.txt" | best)
read -r _ h_rps h_p99 _ _ < <(grep '^html ' "$WORK/runs.txt" | best)
j_req=$(awk '$1 == "json" { n += $4 } END { print n }' "$WORK/runs.txt")
h_req=$(awk '$1 == "html" { n += $4 } END { print n }' "$WORK/runs.txt")
j_err=$(awk '$1 == "json" { n += $5 } END { print n }' "$WORK/runs.txt")
h_err=$(awk '$1 == "html" { n += $5 } END { print n }' "$WORK/runs.txt")
# The server's own count of scans it answered (wrk does not count requests
# still in flight when a run ends; the server answered and logged them).
ANSWERED=$(curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/healthz" | json "['scans_logged_since_start']")
COMPLETED=$((w_req + j_req + h_req))
stop_server
AFTER=$(sqlite3 "$DATA/zhisu.db" 'select count(*) from scans')
LOGGED=$((AFTER - BEFORE))
# Every logged scan is folded into its code's summary by the clean stop.
FOLDED=$(sqlite3 "$DATA/zhisu.db" 'select sum(count) from scan_counts')
ALERTS=$(sqlite3 "$DATA/zhisu.db" 'select count(*) from alerts')

python3 - "$n_rps" "$n_p99" "$j_rps" "$j_p99" "$ANSWERED" "$j_err" "$h_rps" "$h_p99" "$h_err" "$LOGGED" "$COMPLETED" "$SECONDS_PER_RUN" "$CONNECTIONS" "$(nproc)" "$FOLDED" "$AFTER" "$WORK/runs.txt" "$ALERTS" <<'PY'
import sys, datetime
n_rps, n_p99, j_rps, j_p99, answered, j_err, h_rps, h_p99, h_err, logged, completed, secs, conns, cores, folded, stored, runs, alerts = sys.argv[1:]
n_rps, j_rps, h_rps = float(n_rps), float(j_rps), float(h_rps)
print(f"Run on {datetime.date.today()} ({cores} cores), `bash scripts/bench-scan.sh {secs} {conns}` "
      f"(wrk, 2 threads, {conns} connections, {secs} s per run; 100,000 codes of a 10,000,000-code batch "
      f"scanned at random; 1,000,000 scans logged before; best of three interleaved runs each):\n")
print("| measure | requests/s | ÷ nginx | p99 | target |")
print("| --- | --- | --- | --- | --- |")
print(f"| nginx, 1 KiB static file | {n_rps:,.0f} | 1.00 | {float(n_p99):.2f} ms | |")
print(f"| scan, JSON (`Accept: application/json`) | {j_rps:,.0f} | **{j_rps / n_rps:.2f}** | {float(j_p99):.2f} ms | ≥ 0.5, p99 < 10 ms |")
print(f"| scan, HTML page | {h_rps:,.0f} | **{h_rps / n_rps:.2f}** | {float(h_p99):.2f} ms | ≥ 0.5, p99 < 10 ms |")
lost = int(answered) - int(logged)
print(f"\nNon-2xx answers: JSON {j_err}, HTML {h_err}. Scans answered by the server (warm-up, JSON, HTML; "
      f"wrk completed {int(completed):,}, the rest were in flight when a run ended): "
      f"{int(answered):,}; scans stored after the server stopped: {int(logged):,}; "
      f"**{'no scan lost' if lost == 0 else f'{lost} LOST'}**. Scans counted in the codes' "
      f"summaries after the stop: {int(folded):,} of {int(stored):,} stored"
      f"{'' if folded == stored else ' (NOT ALL FOLDED)'}. Counterfeit alerts raised: {alerts}.")
rounds = [l.split() for l in open(runs)]
ratios = {"json": [], "html": []}
for i in range(0, len(rounds), 3):
    nginx = float(rounds[i][1])
    for label, rps in ((r[0], float(r[1])) for r in rounds[i + 1:i + 3]):
        ratios[label].append(rps / nginx)
median = lambda xs: sorted(xs)[len(xs) // 2]
print("\nPer round (each run ÷ the nginx run just before it, which drifts less than "
      "the best of each): JSON " + " / ".join(f"{r:.2f}" for r in ratios["json"])
      + f" (median {median(ratios['json']):.2f}), HTML "
      + " / ".join(f"{r:.2f}" for r in ratios["html"]) + f" (median {median(ratios['html']):.2f}).")
print("\nAll runs (requests/s, p99 ms), in the order run:")
for line in open(runs):
    label, rps, p99 = line.split()[:3]
    print(f"- {label}: {float(rps):,.0f}, {float(p99):.2f}")
PY
