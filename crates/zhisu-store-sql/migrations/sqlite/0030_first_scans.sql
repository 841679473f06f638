-- The first-scan rate (issue 18.1): each code's first scan ever, kept as
-- its own measure so the rate's numerator is read from the beginning
-- without every code-day. Seeded from the code-days that name no earlier
-- day. Keep in step with ../postgres/0030_first_scans.sql.
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'first_scans', day, category, '', value
from stat_days where measure = 'code_days' and detail = '';

insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'first_scans', day, region_code, category, '', value
from stat_region_days where measure = 'code_days' and detail = '';
