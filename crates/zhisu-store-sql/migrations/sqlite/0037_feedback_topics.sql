-- Feedback received, by topic (P6.7, issue 18.2): from now on the write
-- path counts each feedback on the day received under the topic its
-- message falls in (crates/zhisu-domain/data/feedback_topics.toml, read by
-- Rust). Feedback received before is counted here on its day under no
-- topic (""), shown as 未分类: SQL cannot read the topics file, and a copy
-- of its keywords here would drift from it. Keep in step with
-- ../postgres/0037_feedback_topics.sql.
delete from stat_days where measure = 'feedback_topics';
delete from stat_region_days where measure = 'feedback_topics';
create temporary table topic_seed as
select coalesce(r.enterprise_id, 0) as enterprise_id,
       date(r.created_at, '+8 hours') as day,
       r.region_code as region_code,
       coalesce(p.tag, '') as category
from records r left join records p on p.id = r.parent_id
where r.kind = 'feedback';
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'feedback_topics', day, category, '', count(*) from topic_seed group by 1, 2, 3, 4;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'feedback_topics', day, region_code, category, '', count(*) from topic_seed group by 1, 2, 3, 4;
drop table topic_seed;
