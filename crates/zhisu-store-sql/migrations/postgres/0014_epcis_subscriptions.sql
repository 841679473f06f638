-- EPCIS 2.0 query subscriptions (`/epcis/queries/{name}/subscriptions`):
-- where a named query's new results are posted, when, and how far the
-- subscriber has taken them (`cursor`, the last event row reported).
create table epcis_subscriptions (
    id text primary key,
    owner bigint,
    query_name text not null,
    dest text not null,
    signature_token text,
    stream boolean not null,
    schedule text,
    report_if_empty boolean not null,
    initial_record_time text,
    cursor bigint not null,
    last_notified_at text,
    min_record_time text,
    -- The server delivering it (several may share one database) and until
    -- when; another takes over once the lease ends.
    lease_holder text,
    lease_until text,
    created_by text not null,
    created_at text not null
);
create index epcis_subscriptions_query on epcis_subscriptions (coalesce(owner, 0), query_name);
