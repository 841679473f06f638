-- Deadlines missed (issue 18.1, V6-dispose): a case escalated because it
-- was not answered in time counts on the day of escalation under the class
-- it had before; the write path keeps it from now on. Seeded here from the
-- escalation steps of the cases stored before — each on its day, under the
-- case's present class (its class before each step is not kept). Keep in
-- step with ../sqlite/0038_cases_escalated.sql.
delete from stat_days where measure = 'cases_escalated';
delete from stat_region_days where measure = 'cases_escalated';
create temporary table escalation_seed as
select coalesce(r.enterprise_id, 0) as enterprise_id,
       to_char(((s.step ->> 'at')::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day,
       r.region_code as region_code,
       coalesce(v.body::jsonb ->> 'class', '') as detail
from records r join record_versions v on v.record_id = r.id and v.version = r.version
cross join lateral jsonb_array_elements(coalesce(v.body::jsonb -> 'steps', '[]'::jsonb)) as s(step)
where r.kind = 'case' and s.step ->> 'action' = 'escalate';
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'cases_escalated', day, '', detail, count(*) from escalation_seed group by enterprise_id, day, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'cases_escalated', day, region_code, '', detail, count(*) from escalation_seed group by day, region_code, detail;
drop table escalation_seed;
