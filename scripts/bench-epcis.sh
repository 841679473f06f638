#!/usr/bin/env bash
# Benchmark of EPCIS capture (docs/benchmarks.md): one EPCIS 2.0 document
# of N ObjectEvents (default 100,000; no eventIDs, so each gets its CBV 2.0
# event hash) captured through `POST /epcis/capture` on the SQLite default.
# Baseline in the same run: the time to read and parse the same document
# (python's json.loads), which any capture must at least pay.
# Usage: bash scripts/bench-epcis.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
source scripts/bench-setup.sh

python3 - "$N" "$WORK/doc.json" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
events = [{
    "type": "ObjectEvent", "eventTime": f"2026-11-{1 + i % 28:02d}T08:{i % 60:02d}:00.000+08:00", "eventTimeZoneOffset": "+08:00",
    "epcList": [f"https://id.gs1.org/01/06970000000017/21/{i:010d}"], "action": "OBSERVE", "bizStep": "shipping",
    "disposition": "in_transit", "readPoint": {"id": "https://id.gs1.org/414/6970000000000"},
} for i in range(n)]
json.dump({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
           "schemaVersion": "2.0", "creationDate": "2026-11-23T00:00:00Z", "epcisBody": {"eventList": events}}, open(out, "w"))
PY
SIZE=$(wc -c < "$WORK/doc.json")
T_PARSE=$(python3 -c "import json,sys,time; s=time.perf_counter(); json.load(open('$WORK/doc.json')); print(time.perf_counter()-s)")
T_CAPTURE=$(python3 - "$WORK/doc.json" "http://127.0.0.1:$PORT/epcis/capture" "$KEY" <<'PY'
import sys, time, urllib.request
body = open(sys.argv[1], "rb").read()
req = urllib.request.Request(sys.argv[2], data=body, headers={"Authorization": "Bearer " + sys.argv[3], "Content-Type": "application/ld+json"})
s = time.perf_counter()
r = urllib.request.urlopen(req, timeout=600)
assert r.status == 202, r.status
print(time.perf_counter() - s)
PY
)
STORED=$(sqlite3 "$DATA/zhisu.db" 'select count(*) from epcis_events')
python3 - "$N" "$SIZE" "$T_PARSE" "$T_CAPTURE" "$STORED" "$(nproc)" <<'PY'
import sys, datetime
n, size, t_parse, t_capture, stored, cores = sys.argv[1:]
n, t_parse, t_capture = int(n), float(t_parse), float(t_capture)
print(f"Run on {datetime.date.today()} ({cores} cores), `bash scripts/bench-epcis.sh {n}`: one document of {n:,} ObjectEvents ({int(size)/2**20:.1f} MiB), no eventIDs:\n")
print("| measure | time | events/s | target |")
print("| --- | --- | --- | --- |")
print(f"| baseline: read and parse the document (python `json.load`) | {t_parse:.2f} s | {n/t_parse:,.0f} | |")
print(f"| `POST /epcis/capture` (parse, schema + CBV validation, event hash, store in one transaction) | {t_capture:.2f} s | **{n/t_capture:,.0f}** | ≥ 20,000 |")
print(f"\nEvents stored: {int(stored):,}; capture ÷ parse: {t_capture/t_parse:.1f}×.")
PY
