-- Data verification (V5-auto, issue 17): each sweep, and each finding kept
-- once per rule, record and field, open until a sweep no longer sees it.
create table verification_sweeps (
    id bigserial primary key,
    started_at text not null,
    finished_at text not null,
    started_by text not null,
    catalogue_version text not null,
    records bigint not null,
    findings bigint not null,
    opened bigint not null,
    resolved bigint not null
);
create table verification_findings (
    id bigserial primary key,
    rule text not null,
    axis text not null,
    severity text not null,
    class text not null,
    kind text not null,
    record_id bigint not null,
    version bigint not null,
    enterprise_id bigint not null,
    region_code text not null,
    field text not null,
    evidence text not null,
    status text not null,
    opened_at text not null,
    opened_sweep bigint not null,
    last_sweep bigint not null,
    resolved_at text,
    resolved_sweep bigint,
    unique (rule, kind, record_id, field)
);
create index verification_findings_by_status on verification_findings (status, region_code);
create index verification_findings_by_enterprise on verification_findings (enterprise_id, status);
