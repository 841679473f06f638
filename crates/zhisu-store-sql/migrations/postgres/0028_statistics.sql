-- Statistics rollups (issue 18, "Speed"): each measure by day in
-- Asia/Shanghai, kept by the write path (records, alerts) and by the
-- statistics fold of the scan log, so a figure over any period reads a few
-- rows per day. Keep in step with ../sqlite/0028_statistics.sql. What a
-- measure and a detail mean: crates/zhisu-domain/src/statistics/rollup.rs.

-- By enterprise and product category: what a manufacturer reads of its
-- own (an enterprise's, not a product's: a row per product and day made
-- the scan fold six times slower).
create table stat_days (
    enterprise_id bigint not null,
    measure text not null,
    day text not null,
    category text not null,
    detail text not null,
    value bigint not null,
    primary key (enterprise_id, measure, day, category, detail)
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

-- Each scanned code's last day counted (Beijing time): the fold that
-- rewrites the code's row says which of its new scans' days are new.
alter table scan_counts add column last_day text;

-- Records and alerts stored before statistics were kept count on the day
-- they were filed or raised, in their status now; scans folded into their
-- codes' summaries count on their days (those not yet folded come with
-- the next fold).
create temporary table stat_code_days as
select distinct s.code, coalesce(s.product_id, 0) as product_id, to_char((s.at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day
from scans s where s.id <= (select upto from scan_fold where id = 1);

create temporary table stat_seed as
select case r.kind when 'batch' then 'batches' when 'recall' then 'recalls' when 'enterprise' then 'enterprises' else 'feedback' end as measure,
       to_char((r.created_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day,
       coalesce(r.enterprise_id, 0) as enterprise_id,
       coalesce(r.parent_id, 0) as product_id,
       r.region_code as region_code,
       coalesce(p.tag, '') as category,
       coalesce(r.tag, '') as detail,
       1 as value
from records r left join records p on p.id = r.parent_id
where r.kind in ('batch', 'recall', 'feedback', 'enterprise')
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
where a.kind in ('too-many-scans', 'impossible-travel', 'diversion')
union all
select 'scans', to_char((s.at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), coalesce(p.enterprise_id, 0), coalesce(s.product_id, 0),
       coalesce(p.region_code, ''), coalesce(p.tag, ''), '', 1
from scans s left join records p on p.id = s.product_id and p.kind = 'product'
where s.id <= (select upto from scan_fold where id = 1)
union all
select 'code_days', d.day, coalesce(p.enterprise_id, 0), d.product_id, coalesce(p.region_code, ''), coalesce(p.tag, ''),
       coalesce(d.prev, ''), 1
from (select code, product_id, day, lag(day) over (partition by code order by day) as prev from stat_code_days) d
left join records p on p.id = d.product_id and p.kind = 'product';

insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, measure, day, category, detail, sum(value) from stat_seed
group by enterprise_id, measure, day, category, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select measure, day, region_code, category, detail, sum(value) from stat_seed
group by measure, day, region_code, category, detail;
drop table stat_seed;
update scan_counts set last_day = m.day
from (select code, max(day) as day from stat_code_days group by code) m
where m.code = scan_counts.code;
drop table stat_code_days;
