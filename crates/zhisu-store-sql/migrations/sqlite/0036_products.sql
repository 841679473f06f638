-- Products filed as a stock (issue 18.1): each product counts in its
-- maker's region and its own category, `filed` or `paused` (P5.3.3.2), from
-- the day it was filed; the write path keeps it from now on (a pause, a
-- change of category, the maker's move). Seeded here from the products
-- stored before, as they are now. Keep in step with
-- ../postgres/0036_products.sql.
delete from stat_days where measure = 'products';
delete from stat_region_days where measure = 'products';
create temporary table product_seed as
select coalesce(r.enterprise_id, 0) as enterprise_id,
       date(r.created_at, '+8 hours') as day,
       r.region_code as region_code,
       coalesce(r.tag, '') as category,
       case when json_extract(v.body, '$.paused') = 1 then 'paused' else 'filed' end as detail
from records r join record_versions v on v.record_id = r.id and v.version = r.version
where r.kind = 'product';
insert into stat_days (enterprise_id, measure, day, category, detail, value)
select enterprise_id, 'products', day, category, detail, count(*) from product_seed group by 1, 2, 3, 4, 5;
insert into stat_region_days (measure, day, region_code, category, detail, value)
select 'products', day, region_code, category, detail, count(*) from product_seed group by 1, 2, 3, 4, 5;
drop table product_seed;
