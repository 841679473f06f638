#!/usr/bin/env bash
# Benchmark of issue 20's speed (docs/benchmarks.md, docs/scaling.md): public
# scans through nginx (Debian's, round robin, keep-alive to the upstreams)
# to one server and to two servers on one PostgreSQL database, in the same
# script, interleaved; and the delay from a write on one server to a scan on
# the other showing it, against a write and a scan on the same server.
# The machine has two cores: each server is pinned to a core of its own
# (taskset), so "one server" is one core's worth of server and "two" is
# two; nginx, wrk and PostgreSQL float over both.
# Needs: nginx, wrk, psql, taskset, a PostgreSQL server (ZHISU_BENCH_PG, by
# default postgres://postgres:zhisu-ci@127.0.0.1:5432, as .ci/run sets up).
# Usage: bash scripts/bench-scale.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-64}
PG_BASE=${ZHISU_BENCH_PG:-postgres://postgres:zhisu-ci@127.0.0.1:5432}
for tool in nginx wrk psql taskset; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install nginx wrk postgresql-client util-linux" >&2; exit 1; }
done
DBNAME=zhisu_bench_scale_$$
psql "$PG_BASE/postgres" -qc "create database $DBNAME"
export DATABASE_URL="$PG_BASE/$DBNAME"
SECOND=
NGINX=
EXTRA_CLEANUP='kill $SECOND $NGINX 2>/dev/null || true; sleep 1; psql "$PG_BASE/postgres" -qc "drop database if exists $DBNAME with (force)"'
SERVER_PREFIX="taskset -c 0"
source scripts/bench-setup.sh

BATCH=$(issue_batch 1000000 SCALE-BENCH)
"$BIN" codes export --data "$DATA" "${DB_ARGS[@]}" --public-url "$BASE" --batch "$BATCH" --count 100000 --out "$WORK/codes.txt" 2>/dev/null

# The second server: its own data folder holding the first one's keys (as
# the README says to share them), on the other core.
DATA2=$WORK/data2
mkdir -p "$DATA2"
cp -r "$DATA/keys" "$DATA2/keys"
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c 1 "$BIN" serve --data "$DATA2" "${DB_ARGS[@]}" --listen "127.0.0.1:$PORT2" --public-url "$BASE" >/dev/null 2>&1 &
SECOND=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT2/healthz" >/dev/null && break; sleep 0.1; done

# nginx in front: one port whose upstream is the first server alone, one
# whose upstream is both.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ONE=$(free_port)
TWO=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream one { server 127.0.0.1:$PORT; keepalive 64; }
  upstream two { server 127.0.0.1:$PORT; server 127.0.0.1:$PORT2; keepalive 64; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  server { listen 127.0.0.1:$ONE; location / { proxy_pass http://one; } }
  server { listen 127.0.0.1:$TWO; location / { proxy_pass http://two; } }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
NGINX=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$TWO/healthz" >/dev/null && break; sleep 0.1; done

# wrk picks one of the 100,000 codes at random per request, each thread
# with a seed of its own (see bench-scan.sh).
python3 - "$WORK/codes.txt" "$WORK/paths.lua" <<'PY'
import sys
paths = ['"/' + l.strip().split("://", 1)[1].split("/", 1)[1] + '"' for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    f.write("local paths = {" + ",".join(paths) + "}\n")
    f.write("local threads = 0\n"
            "function setup(thread) threads = threads + 1; thread:set('id', threads) end\n"
            "function init(args) math.randomseed(os.time() * 64 + id) end\n")
    f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
PY

# CPU time (ticks of 1/100 s) of each part, read from /proc before and
# after each run: the two servers, nginx (master and workers), every
# PostgreSQL process, and the machine's busy time (the rest is wrk and the
# kernel's share of the loopback traffic).
cat > "$WORK/cpu.py" <<'PY'
import json, os, subprocess, sys
def ticks(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (FileNotFoundError, ProcessLookupError):
        return 0
def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]
first, second, nginx = (int(a) for a in sys.argv[1:4])
postgres = [int(p) for p in subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()]
busy = sum(int(x) for i, x in enumerate(open("/proc/stat").readline().split()[1:]) if i not in (3, 4))
print(json.dumps({"first": ticks(first), "second": ticks(second),
                  "nginx": ticks(nginx) + sum(ticks(c) for c in children(nginx)),
                  "postgres": sum(ticks(p) for p in postgres), "busy": busy}))
PY
cpu() { python3 "$WORK/cpu.py" "$SERVER" "$SECOND" "$NGINX"; }

run_wrk() { # label port script threads -> "label rps p99_ms requests non2xx cpu-before cpu-after"
  local label=$1 port=$2 script=$3 threads=$4 before after
  before=$(cpu)
  wrk -t"$threads" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$script" \
    -H 'Accept: application/json' "http://127.0.0.1:$port" > "$WORK/wrk-$label.txt"
  after=$(cpu)
  python3 - "$WORK/wrk-$label.txt" "$label" "$before" "$after" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
b, a = json.loads(sys.argv[3]), json.loads(sys.argv[4])
used = {k: a[k] - b[k] for k in a}
print(sys.argv[2], rps, p99, requests, errors.group(1) if errors else 0, json.dumps(used, separators=(",", ":")))
PY
}

# A second product, amended by the writers (a new ledgered, audited
# version each).
OTHER=$(api -X POST "http://127.0.0.1:$PORT/api/v1/products" -d "{\"enterprise_id\":$ENT,\"product_name\":\"燃气热水器\",\"product_type\":\"热水器\",\"model\":\"W-1\",\"category\":\"gas-appliance\",\"mandatory_standards\":[\"GB 6932-2015\"],\"ccc_cert_no\":\"2021010101123457\",\"warranty_months\":12,\"instructions\":\"x\",\"code_scheme\":\"gs1\",\"trace_level\":\"per-item\",\"gtin\":\"6970000000024\"}" | json "['id']")
python3 - "$WORK/write.lua" "$OTHER" "$KEY" <<'PY'
import sys
write, other, key = sys.argv[1:]
with open(write, "w") as f:
    f.write("local n = 0\n")
    f.write("request = function() n = n + 1; return wrk.format('PATCH', '/api/v1/products/%s', "
            "{['Authorization'] = 'Bearer %s', ['Content-Type'] = 'application/json'}, "
            "'{\"instructions\": \"使用说明第 ' .. n .. ' 版\"}') end\n" % (other, key))
PY

# Warm up both servers' caches through the pair.
SECONDS_SAVED=$SECONDS_PER_RUN; SECONDS_PER_RUN=5
run_wrk warm "$TWO" "$WORK/paths.lua" 2 > /dev/null
SECONDS_PER_RUN=$SECONDS_SAVED
: > "$WORK/runs.txt"
for round in 1 2 3; do
  run_wrk scans-one "$ONE" "$WORK/paths.lua" 2 >> "$WORK/runs.txt"
  run_wrk scans-two "$TWO" "$WORK/paths.lua" 2 >> "$WORK/runs.txt"
  CONNECTIONS=16 run_wrk writes-one "$ONE" "$WORK/write.lua" 1 >> "$WORK/runs.txt"
  CONNECTIONS=16 run_wrk writes-two "$TWO" "$WORK/write.lua" 1 >> "$WORK/runs.txt"
done
echo "All runs (label, requests/s, p99 ms, requests, non-2xx, CPU ticks used):"
cat "$WORK/runs.txt"
python3 - "$WORK/runs.txt" "$SECONDS_PER_RUN" <<'PY'
import json, sys, statistics
runs = [l.split() for l in open(sys.argv[1])]
seconds = float(sys.argv[2])
def of(label):
    return [(float(r[1]), float(r[2]), int(r[3]), json.loads(r[5])) for r in runs if r[0] == label]
for what in ("scans", "writes"):
    one, two = of(what + "-one"), of(what + "-two")
    ratios = [t[0] / o[0] for o, t in zip(one, two)]
    b1, b2 = max(one), max(two)
    print(f"{what}: one server best {b1[0]:,.0f}/s (its p99 {b1[1]:.2f} ms), "
          f"two servers best {b2[0]:,.0f}/s (its p99 {b2[1]:.2f} ms); "
          "two ÷ one per round " + " / ".join(f"{r:.2f}" for r in ratios) + f", median {statistics.median(ratios):.2f}")
    for label, rs in ((what + "-one", one), (what + "-two", two)):
        n = sum(r[2] for r in rs)
        used = {k: sum(r[3][k] for r in rs) for k in rs[0][3]}
        servers = used["first"] + used["second"]
        rest = used["busy"] - servers - used["nginx"] - used["postgres"]
        # ticks are 10 ms: CPU ms per request
        per = lambda t: t * 10 / n
        print(f"  {label}: CPU ms a request — servers {per(servers):.3f}, PostgreSQL {per(used['postgres']):.3f}, "
              f"nginx {per(used['nginx']):.3f}, wrk and the kernel {per(rest):.3f}; "
              f"machine busy {used['busy'] / (len(rs) * seconds * 100 * 2) * 100:.0f}% of 2 cores")
PY

# A write on one server seen by a scan on the other: the producer's
# telephone changed on the first, each scan of the second polled every 2 ms
# until it shows the new number; against a write and a scan both on the first.
python3 - "$WORK/codes.txt" "$PORT" "$PORT2" "$KEY" "$ENT" <<'PY'
import json, sys, time, urllib.request
codes, port, port2, key, ent = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
paths = ["/" + l.strip().split("://", 1)[1].split("/", 1)[1] for l in open(codes)][-2000:]
def patch(n):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/enterprises/{ent}", method="PATCH",
        data=json.dumps({"contact_phone": f"0755-2{n:03d} 8888"}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
def shows(scan_port, path, text):
    req = urllib.request.Request(f"http://127.0.0.1:{scan_port}{path}", headers={"Accept": "application/json"})
    return text in urllib.request.urlopen(req).read().decode()
def delays(scan_port, offset, n=200):
    out = []
    for i in range(n):
        number = offset + i
        path = paths[number]
        shows(scan_port, path, "")  # the producer cached on the scanning server
        patch(number)
        started = time.perf_counter()
        while not shows(scan_port, path, f"0755-2{number:03d} 8888"):
            time.sleep(0.002)
            if time.perf_counter() - started > 5:
                sys.exit(f"write {number} not seen after 5 s")
        out.append(time.perf_counter() - started)
    out.sort()
    return out
def p(q, xs):
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000
same = delays(port, 0)
other = delays(port2, 200)
print(f"write then scan, same server: p50 {p(0.5, same):.2f} ms, p99 {p(0.99, same):.2f} ms, max {same[-1]*1000:.2f} ms")
print(f"write on one, scan on the other: p50 {p(0.5, other):.2f} ms, p99 {p(0.99, other):.2f} ms, max {other[-1]*1000:.2f} ms (target p99 < 1000 ms)")
print(f"other ÷ same, p99: {p(0.99, other) / max(p(0.99, same), 0.001):.1f}")
PY
