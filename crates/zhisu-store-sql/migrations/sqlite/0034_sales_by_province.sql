-- Sales kept by the buyer's province (issue 18, "Speed"): 0031 kept each
-- sale under its buyer and the buyer's region in both rollups — a row per
-- buyer and day, thousands in a province's month, which every summary
-- then summed. Now `sales` is kept by the buyer's province (two digits,
-- "" off the platform) and `sales_by_buyer` (the buyer's ID) in the
-- by-enterprise rollup only, rewritten here from the rows kept so far.
-- Keep in step with ../postgres/0034_sales_by_province.sql.
create temporary table old_sales as
select enterprise_id, day, category, detail, value from stat_days where measure = 'sales';
create temporary table old_region_sales as
select day, region_code, category, detail, value from stat_region_days where measure = 'sales';
delete from stat_days where measure = 'sales';
delete from stat_region_days where measure = 'sales';

insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'sales', day, category,
       case when instr(detail, '|') > 1 then substr(detail, 1, 2) else '' end, sum(value)
from old_sales group by 1, 2, 3, 4, 5;
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'sales_by_buyer', day, category, substr(detail, instr(detail, '|') + 1), sum(value)
from old_sales group by 1, 2, 3, 4, 5;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'sales', day, region_code, category,
       case when instr(detail, '|') > 1 then substr(detail, 1, 2) else '' end, sum(value)
from old_region_sales group by 1, 2, 3, 4, 5;
drop table old_sales;
drop table old_region_sales;
