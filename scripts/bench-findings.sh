#!/usr/bin/env bash
# Issue 17's target for the regulator's lists: the findings list and the
# review queue of a province with 100,000 open findings answer with p95
# under 50 ms. Seeds
# N open findings (default 100,000) of 2,000 enterprises across Guangdong
# and Zhejiang straight into the store's findings table (the list reads
# only that table), then times 300 sequential requests of each list a
# regulator opens, with curl, against the same loop on `GET /api/v1/me`
# (the baseline: the key check and the access log, no list).
# Usage: bash scripts/bench-findings.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
source scripts/bench-setup.sh
stop_server
sqlite3 "$DATA/zhisu.db" <<SQL
insert into verification_sweeps (started_at, finished_at, started_by, catalogue_version, records, findings, opened, resolved)
values ('2026-12-06T02:00:00Z', '2026-12-06T02:01:00Z', 'cli', 'bench', $N, $N, $N, 0);
with recursive n(i) as (select 1 union all select i + 1 from n where i < $N)
insert into verification_findings (rule, axis, severity, class, kind, record_id, version, enterprise_id,
    region_code, field, evidence, status, opened_at, opened_sweep, last_sweep, settle, assignee)
select case i % 4 when 0 then 'ZV-R-003' when 1 then 'ZV-C-002' when 2 then 'ZV-T-001' else 'ZV-A-002' end,
       case i % 4 when 0 then 'accuracy' when 1 then 'completeness' when 2 then 'timeliness' else 'authenticity' end,
       case i % 3 when 0 then 'major' when 1 then 'minor' else 'critical' end,
       case i % 3 when 0 then 'non-compliant' when 1 then 'minor' else 'serious' end,
       'product', 1000000 + i, 1, 100000 + i % 2000,
       case i % 2 when 0 then '4403' || printf('%02d', i % 20) else '3301' || printf('%02d', i % 10) end,
       'model', '型号 M-' || i || ' 也以另一名称登记 (model M-' || i || ' is also filed under another name)',
       'open', date('2026-12-06', '-' || (i % 20) || ' days') || 'T02:00:30Z', 1, 1,
       -- Three rules of four are settled by a person: 75% of them queue,
       -- and one in ten of those is in a reviewer's hands.
       case i % 4 when 1 then 'system' else 'person' end,
       case when i % 4 <> 1 and i % 10 = 0 then 'user:1' end
from n;
SQL
start_server
GD=$("$BIN" admin create-api-key --data "$DATA" --role regulator --jurisdiction 440000)
SZ=$("$BIN" admin create-api-key --data "$DATA" --role regulator --jurisdiction 440300)

# p50 and p95 in ms of 300 requests (after 20 to warm up).
timed() {
  local key=$1 path=$2
  for _ in $(seq 20); do curl -sf -o /dev/null -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT$path"; done
  for _ in $(seq 300); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT$path"
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f %.1f\n", a[int(NR*0.50)]*1000, a[int(NR*0.95)]*1000}'
}
read -r base50 base95 < <(timed "$GD" /api/v1/me)
printf '| measure | p50 | p95 | p95 ÷ baseline |\n| --- | --- | --- | --- |\n'
printf '| baseline `GET /api/v1/me` | %s ms | %s ms | 1.0 |\n' "$base50" "$base95"
for row in \
  "GD|the province's open findings, first page|/api/v1/verification/findings?status=open" \
  "GD|one rule|/api/v1/verification/findings?status=open&rule=ZV-T-001" \
  "GD|one axis, a deep page|/api/v1/verification/findings?status=open&axis=accuracy&offset=20000" \
  "GD|one city (region 4403)|/api/v1/verification/findings?status=open&region=4403" \
  "SZ|a city regulator's own|/api/v1/verification/findings?status=open" \
  "GD|one enterprise's|/api/v1/verification/findings?status=open&enterprise_id=100042" \
  "GD|the case list|/api/v1/cases" \
  "GD|the review queue, first page (with its four counts)|/api/v1/verification/queue" \
  "GD|the queue, one reviewer's|/api/v1/verification/queue?assignee=user:1" \
  "GD|the queue, no one's|/api/v1/verification/queue?assignee=none" \
  "GD|the queue, overdue|/api/v1/verification/queue?overdue=true" \
  "SZ|a city regulator's queue|/api/v1/verification/queue"; do
  IFS='|' read -r who what path <<<"$row"
  key=$GD; [ "$who" = SZ ] && key=$SZ
  total=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT$path" | json ".get('total', 0)")
  read -r p50 p95 < <(timed "$key" "$path")
  printf '| %s (%s rows) | %s ms | %s ms | %.1f |\n' "$what" "$total" "$p50" "$p95" "$(awk -v a="$p95" -v b="$base95" 'BEGIN {print a / b}')"
done
