-- EPCIS 2.0 events (G7, G10.1): one row per event, its identity unique
-- (eventID as sent, else the CBV 2.0 event hash), the fields queries filter
-- on, and the event as exported.
create table epcis_captures (
    capture_id text primary key,
    created_at text not null,
    created_by text not null,
    owner bigint,
    events bigint not null,
    duplicates bigint not null
);

create table epcis_events (
    id bigserial primary key,
    event_id text not null unique,
    capture_id text not null references epcis_captures (capture_id),
    event_type text not null,
    event_time text not null,
    record_time text not null,
    biz_step text,
    action text,
    disposition text,
    read_point text,
    biz_location text,
    body text not null
);
create index epcis_events_time on epcis_events (event_time);

create table epcis_event_epcs (
    event_row bigint not null references epcis_events (id),
    epc text not null
);
create index epcis_event_epcs_epc on epcis_event_epcs (epc);
