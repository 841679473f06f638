#!/usr/bin/env bash
# Benchmark of a record amended thousands of times on PostgreSQL
# (docs/benchmarks.md, issue 20.6): one product PATCHed by 16 connections
# for six windows of five seconds; each window's writes/s against the
# first's, and the rows of record_versions read per index lookup (1 when
# a read of the current version reads only it). A prepared statement's
# generic plan once read every version of the record at each read.
# Needs: wrk, psql, a PostgreSQL server (ZHISU_BENCH_PG, by default
# postgres://postgres:zhisu-ci@127.0.0.1:5432, as .ci/run sets up).
# Usage: bash scripts/bench-amend.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${ZHISU_BENCH_PG:-postgres://postgres:zhisu-ci@127.0.0.1:5432}
for tool in wrk psql; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install wrk postgresql-client" >&2; exit 1; }
done
DBNAME=zhisu_bench_amend_$$
psql "$PG_BASE/postgres" -qc "create database $DBNAME"
export DATABASE_URL="$PG_BASE/$DBNAME"
EXTRA_CLEANUP='psql "$PG_BASE/postgres" -qc "drop database if exists $DBNAME with (force)"'
source scripts/bench-setup.sh
cat > "$WORK/amend.lua" <<LUA
local n = 0
request = function() n = n + 1; return wrk.format('PATCH', '/api/v1/products/$PRODUCT', {['Authorization'] = 'Bearer $KEY', ['Content-Type'] = 'application/json'}, '{"instructions": "使用说明第 ' .. n .. ' 版"}') end
LUA
psql "$DATABASE_URL" -qc "select pg_stat_reset()"
: > "$WORK/windows.txt"
for window in 1 2 3 4 5 6; do
  wrk -t1 -c16 -d5s -s "$WORK/amend.lua" "http://127.0.0.1:$PORT" | awk '/Requests\/sec/ { print $2 }' >> "$WORK/windows.txt"
done
sleep 1 # the statistics collector's flush
VERSIONS=$(psql "$DATABASE_URL" -Atc "select version from records where id = $PRODUCT")
READ=$(psql "$DATABASE_URL" -Atc "select round(idx_tup_fetch::numeric / greatest(idx_scan, 1), 2) from pg_stat_user_tables where relname = 'record_versions'")
python3 - "$WORK/windows.txt" "$VERSIONS" "$READ" <<'PY'
import sys
rates = [float(l) for l in open(sys.argv[1])]
print("writes/s per 5 s window: " + ", ".join(f"{r:,.0f}" for r in rates))
print(f"last window ÷ first: {rates[-1] / rates[0]:.2f}; the product ended at version {sys.argv[2]}; "
      f"record_versions rows read per index lookup: {sys.argv[3]}")
PY
