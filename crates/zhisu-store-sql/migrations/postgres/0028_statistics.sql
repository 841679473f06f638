-- Statistics rollups (issue 18, "Speed"): each measure by day in
-- Asia/Shanghai, kept by the write path (records, alerts) and by the
-- statistics fold of the scan log, so a figure over any period reads a few
-- rows per day. Keep in step with ../sqlite/0028_statistics.sql. What a
-- measure and a detail mean: crates/zhisu-domain/src/statistics/rollup.rs.

-- By enterprise and product: what a manufacturer reads of its own.
create table stat_days (
    measure text not null,
    day text not null,
    enterprise_id bigint not null,
    product_id bigint not null,
    detail text not null,
    value bigint not null,
    primary key (enterprise_id, measure, day, product_id, detail)
);

-- By region and category, where the record was overseen when written:
-- what a regulator reads of its jurisdiction.
create table stat_region_days (
    measure text not null,
    day text not null,
    region_code text not null,
    category text not null,
    detail text not null,
    value bigint not null,
    primary key (measure, day, region_code, category, detail)
);

-- How far the statistics fold has read the scan log.
create table stat_marks (
    name text primary key,
    upto bigint not null
);
insert into stat_marks (name, upto) values ('scans', 0);

-- Each scanned code's last day counted (a code-day's detail is the day
-- before it).
create table stat_code_days (
    code text primary key,
    day text not null
);

-- Records and alerts stored before statistics were kept count on the day
-- they were filed or raised, in their status now; the scan log is folded
-- from its start by the statistics fold.
create temporary table stat_seed as
select case r.kind when 'batch' then 'batches' when 'recall' then 'recalls' else 'feedback' end as measure,
       to_char((r.created_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day,
       coalesce(r.enterprise_id, 0) as enterprise_id,
       coalesce(r.parent_id, 0) as product_id,
       r.region_code as region_code,
       coalesce(p.tag, '') as category,
       coalesce(r.tag, '') as detail,
       1 as value
from records r left join records p on p.id = r.parent_id
where r.kind in ('batch', 'recall', 'feedback')
union all
select 'codes_issued', to_char((r.created_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), coalesce(r.enterprise_id, 0), coalesce(r.parent_id, 0),
       r.region_code, coalesce(p.tag, ''),
       coalesce((pv.body::jsonb ->> 'trace_level'), '') || '/' || coalesce((pv.body::jsonb ->> 'code_scheme'), ''),
       case when (pv.body::jsonb ->> 'trace_level') in ('per-item', 'multi-code')
            then coalesce((bv.body::jsonb ->> 'quantity')::bigint, 0) else 1 end
from records r
join record_versions bv on bv.record_id = r.id and bv.version = r.version
join records p on p.id = r.parent_id
join record_versions pv on pv.record_id = p.id and pv.version = p.version
where r.kind = 'batch' and r.tag in ('active', 'frozen')
union all
select case a.kind when 'diversion' then 'alerts_diversion' else 'alerts_counterfeit' end,
       to_char((a.at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), a.enterprise_id, coalesce(a.product_id, 0), a.region_code, coalesce(p.tag, ''), '', 1
from alerts a left join records p on p.id = a.product_id
where a.kind in ('too-many-scans', 'impossible-travel', 'diversion');

insert into stat_days (measure, day, enterprise_id, product_id, detail, value)
select measure, day, enterprise_id, product_id, detail, sum(value) from stat_seed
group by measure, day, enterprise_id, product_id, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select measure, day, region_code, category, detail, sum(value) from stat_seed
group by measure, day, region_code, category, detail;
drop table stat_seed;
