-- Several servers on one database (issue 20.1): every write of a record,
-- by any server or tool, tells every server listening on the channel
-- `zhisu_changes` as it commits (NOTIFY is delivered at commit, and not
-- at all if the transaction rolls back), so that each drops what its
-- caches hold of that record within moments. The payload is the record's
-- kind and ID: `batch 42`. Keep in step with ../sqlite/0047_change_feed.sql.
create function zhisu_record_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('zhisu_changes', new.kind || ' ' || new.id);
    return null;
end
$$;
create trigger records_changed after insert or update on records
    for each row execute function zhisu_record_changed();
