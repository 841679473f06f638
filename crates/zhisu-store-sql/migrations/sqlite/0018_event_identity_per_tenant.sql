-- An EPCIS event's identity is its eventID within the enterprise that
-- captured it (issue 16.7): one enterprise can neither learn that another
-- stored an eventID nor take it first so that the other's capture is
-- dropped as a duplicate. `owner` is the capture's enterprise, 0 for the
-- platform's own captures. SQLite cannot drop the column's inline unique
-- constraint, so the table is rebuilt with the same rows and row ids; the
-- event-EPC rows that point at them are set aside while it is (dropping a
-- table that rows still point at would break their foreign key).

create table epcis_events_by_owner (
    id integer primary key,
    owner integer not null default 0,
    event_id text not null,
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

insert into epcis_events_by_owner (id, owner, event_id, capture_id, event_type, event_time, record_time,
    biz_step, action, disposition, read_point, biz_location, body)
select e.id, coalesce(c.owner, 0), e.event_id, e.capture_id, e.event_type, e.event_time, e.record_time,
    e.biz_step, e.action, e.disposition, e.read_point, e.biz_location, e.body
from epcis_events e join epcis_captures c on c.capture_id = e.capture_id;

create temp table event_epcs_aside as select event_row, epc from epcis_event_epcs;
delete from epcis_event_epcs;
drop table epcis_events;
alter table epcis_events_by_owner rename to epcis_events;
insert into epcis_event_epcs (event_row, epc) select event_row, epc from event_epcs_aside;
drop table event_epcs_aside;
create unique index epcis_events_identity on epcis_events (owner, event_id);
create index epcis_events_time on epcis_events (event_time);
