-- Market research (P6.7, issue 18.2): a diversion alert names the
-- distributor the goods were shipped to (its rollup detail, for diversion
-- by distributor), and sales are kept as rollups: each sale line's
-- quantity on the day of sale (Beijing time; a date-only `at` is already
-- one), in its product's category, at the region of the sale record (the seller's), with the
-- buyer's region and ID as the detail (`zhisu_domain::statistics::rollup
-- ::sale_detail`). Sales recorded before are seeded here; the buyer's
-- region is its region now. Keep in step with ../sqlite/0031_market.sql.
alter table alerts add column distributor_id bigint;

create temporary table stat_seed as
select f.from_id as enterprise_id,
       case when length(f.at) = 10 then f.at
            else to_char((f.at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') end as day,
       r.region_code as region_code,
       coalesce(p.tag, '') as category,
       coalesce(t.region_code, '') || '|' || coalesce(cast(f.to_id as text), '') as detail,
       f.quantity as value
from flow_lines f
join records r on r.id = f.flow_id
join records b on b.id = f.batch_id
left join records p on p.id = b.parent_id
left join records t on t.id = f.to_id
where f.kind = 'sale';

insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'sales', day, category, detail, sum(value) from stat_seed
group by enterprise_id, day, category, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'sales', day, region_code, category, detail, sum(value) from stat_seed
group by day, region_code, category, detail;
drop table stat_seed;
