-- Distinct codes scanned from capped gaps (issue 18, "Speed"): each
-- code-day is kept again as `code_gaps`, its detail the days since the
-- code's previous scan day ("1" to "31"; "" when longer or none), so a
-- summary of up to 32 days reads at most 32 rows per place and day instead
-- of one per earlier day of the whole history (crates/zhisu-domain/src/
-- statistics/rollup.rs, `gap_detail`). Seeded here from `code_days`; the
-- scan fold writes both from now on. Keep in step with
-- ../postgres/0035_code_gaps.sql.
delete from stat_days where measure = 'code_gaps';
delete from stat_region_days where measure = 'code_gaps';
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'code_gaps', day, category,
       case when detail = '' or julianday(day) - julianday(detail) > 31 then ''
            else cast(cast(julianday(day) - julianday(detail) as integer) as text) end,
       sum(value)
from stat_days where measure = 'code_days' group by 1, 2, 3, 4, 5;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'code_gaps', day, region_code, category,
       case when detail = '' or julianday(day) - julianday(detail) > 31 then ''
            else cast(cast(julianday(day) - julianday(detail) as integer) as text) end,
       sum(value)
from stat_region_days where measure = 'code_days' group by 1, 2, 3, 4, 5;
