-- Statistics reports made on a schedule (issue 18.5): each month's (and
-- quarter's) report for the platform and for each regulator jurisdiction,
-- kept as the file sent, readable by whoever reads that scope. Derived
-- data, not records: no ledger leaf; made again if deleted. Keep in step
-- with ../postgres/0029_report_files.sql.
create table report_files (
    id integer primary key autoincrement,
    -- `platform`, or `regions:` and the jurisdiction's codes, sorted.
    scope text not null,
    -- `2026-11` or `2026-Q4`.
    period text not null,
    -- `pdf` or `xlsx`.
    format text not null,
    file_name text not null,
    content_type text not null,
    bytes blob not null,
    created_at text not null,
    unique (scope, period, format)
);
