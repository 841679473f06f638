-- Open verification findings (issue 18.1, V5) as a stock by axis and
-- proposed class, where each was made; the sweeps and the checks of one
-- record keep it from now on (counting what they touch before and after).
-- Seeded here from the findings open now, each on the day it was last
-- opened (Beijing time): those resolved before left no count. Keep in step
-- with ../postgres/0039_findings_open.sql.
delete from stat_days where measure = 'findings';
delete from stat_region_days where measure = 'findings';
create temporary table findings_seed as
select enterprise_id, date(opened_at, '+8 hours') as day, region_code, axis || '/' || class as detail
from verification_findings where status = 'open';
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'findings', day, '', detail, count(*) from findings_seed group by enterprise_id, day, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'findings', day, region_code, '', detail, count(*) from findings_seed group by day, region_code, detail;
drop table findings_seed;
-- One record's findings (checked on every write of an enterprise, product
-- or batch, counted before and after): read by the record, not by walking
-- every open finding.
create index verification_findings_by_record on verification_findings (record_id, kind, status);
