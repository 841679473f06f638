-- An EPCIS event's identity is its eventID within the enterprise that
-- captured it (issue 16.7): one enterprise can neither learn that another
-- stored an eventID nor take it first so that the other's capture is
-- dropped as a duplicate. `owner` is the capture's enterprise, 0 for the
-- platform's own captures.
alter table epcis_events add column owner bigint not null default 0;
update epcis_events e set owner = c.owner
from epcis_captures c
where c.capture_id = e.capture_id and c.owner is not null;
alter table epcis_events drop constraint epcis_events_event_id_key;
create unique index epcis_events_identity on epcis_events (owner, event_id);
