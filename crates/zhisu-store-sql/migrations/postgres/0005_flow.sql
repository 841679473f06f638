-- Flow (G5.1-flow, G5.2-flow): one row per code of a sale or purchase
-- record, written in the record's own transaction. from_id/to_id are the
-- enterprises on either side when they are on the platform.
create table flow_lines (
    id bigserial primary key,
    flow_id bigint not null references records (id),
    kind text not null,
    from_id bigint,
    to_id bigint,
    code text not null,
    batch_id bigint not null,
    quantity bigint not null,
    at text not null
);
create index flow_lines_batch on flow_lines (batch_id, id);
create index flow_lines_holder on flow_lines (to_id, code);
create index flow_lines_code on flow_lines (code, id);
