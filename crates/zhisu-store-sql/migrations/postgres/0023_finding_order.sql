-- The findings list in a reviewer's order, most severe first, then
-- oldest, read from an index rather than sorted per request (issue 17:
-- p95 under 50 ms with 100,000 open findings).
alter table verification_findings add column severity_rank smallint
    generated always as (case severity when 'critical' then 0 when 'major' then 1 when 'minor' then 2 else 3 end) stored;
-- Each filter a reviewer uses leads its own index, in list order, with
-- the region the scope checks carried along.
create index verification_findings_in_order on verification_findings (status, severity_rank, id, region_code);
create index verification_findings_by_rule on verification_findings (rule, status, severity_rank, id, region_code);
create index verification_findings_by_axis on verification_findings (axis, status, severity_rank, id, region_code);
create index verification_findings_by_enterprise_in_order on verification_findings (enterprise_id, status, severity_rank, id);
