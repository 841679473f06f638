-- The time to answer feedback (issue 18.1, P7.2): each feedback's first
-- answer is kept as a rollup on the day (Beijing time) it was answered,
-- its detail the whole hours from sending to answering, so a period's
-- median is exact to the hour. Feedback answered before is seeded here
-- from its answer time now (a second answer replaced the first's time).
-- Keep in step with ../postgres/0032_feedback_answered.sql.
create temporary table stat_seed as
select r.enterprise_id as enterprise_id,
       date(json_extract(v.body, '$.answered_at'), '+8 hours') as day,
       r.region_code as region_code,
       coalesce(p.tag, '') as category,
       cast(max(0, cast(round((julianday(json_extract(v.body, '$.answered_at')) - julianday(r.created_at)) * 86400) as integer) / 3600) as text) as detail
from records r
join record_versions v on v.record_id = r.id and v.version = r.version
left join records p on p.id = r.parent_id
where r.kind = 'feedback' and r.tag <> 'open' and json_extract(v.body, '$.answered_at') is not null;

insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'feedback_answered', day, category, detail, count(*) from stat_seed
group by enterprise_id, day, category, detail;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'feedback_answered', day, region_code, category, detail, count(*) from stat_seed
group by day, region_code, category, detail;
drop table stat_seed;
