-- Periodic quantity reporting (issue 19.5, P5.3.3.3): each product's
-- report of a period (a day, month, quarter or year: 2026-12-07, 2026-12,
-- 2026-Q4, 2026), exact for 一物一码/组合多码, an estimate (quantity
-- optional) for 一品一码/一批一码; a later report of the same period
-- corrects it (each one an audit entry). Keep in step with
-- ../sqlite/0044_reporting.sql.
create table quantity_reports (
    id bigserial primary key,
    enterprise_id bigint not null,
    product_id bigint not null,
    period text not null,
    quantity bigint,
    estimate boolean not null,
    note text,
    reported_by text not null,
    reported_at text not null,
    unique (product_id, period)
);
create index quantity_reports_by_enterprise on quantity_reports (enterprise_id, product_id);

-- Every reminder of a report missed, by channel (inbox, email, sms), to
-- the enterprise or, a run of misses escalated, to its region's
-- regulators: once a period, audience and channel; `status` sent or
-- failed (tried again, `attempts` counted, the last error kept).
create table reminders (
    id bigserial primary key,
    enterprise_id bigint not null,
    product_id bigint not null,
    period text not null,
    audience text not null,
    channel text not null,
    recipient text not null,
    status text not null,
    attempts bigint not null,
    last_error text,
    created_at text not null,
    sent_at text,
    unique (product_id, period, audience, channel)
);
create index reminders_by_enterprise on reminders (enterprise_id, id);

-- The in-app inbox (站内消息): a message to an enterprise's people, or to
-- the regulators whose jurisdiction holds a region.
create table inbox_messages (
    id bigserial primary key,
    enterprise_id bigint,
    region_code text,
    kind text not null,
    title text not null,
    body text not null,
    link text,
    created_at text not null,
    read_at text,
    read_by text
);
create index inbox_by_enterprise on inbox_messages (enterprise_id, id);
create index inbox_by_region on inbox_messages (region_code, id);
