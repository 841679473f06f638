-- Disposal cases in the statistics (issue 18.1, V6-dispose): cases by
-- status as a stock, and each closing with the calendar days (Beijing
-- time) the case stood open. Cases opened before are seeded here as
-- 0028 seeded the other records: on the day they were opened, in their
-- status now; a closed one counts its closing on the day it was last
-- written. Keep in step with ../sqlite/0033_cases.sql.
create temporary table stat_seed as
select 'cases' as measure,
       to_char((r.created_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day,
       r.enterprise_id as enterprise_id, r.region_code as region_code, coalesce(r.tag, '') as detail
from records r where r.kind = 'case'
union all
select 'cases_closed', to_char((r.updated_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD'),
       r.enterprise_id, r.region_code,
       greatest(0, ((r.updated_at::timestamptz) at time zone 'Asia/Shanghai')::date
                   - ((r.created_at::timestamptz) at time zone 'Asia/Shanghai')::date)::text
from records r where r.kind = 'case' and r.tag = 'closed';

insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, measure, day, '', detail, count(*) from stat_seed
group by enterprise_id, measure, day, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select measure, day, region_code, '', detail, count(*) from stat_seed
group by measure, day, region_code, detail;
drop table stat_seed;
