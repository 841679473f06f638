-- Where a scan was made (issue 18.2, P6.7): the GB/T 2260 region the
-- client said it was in, kept with the scan so the fold counts scans by
-- province for the producer's market view. Scans logged before have none
-- (counted under no province). Keep in step with
-- ../sqlite/0041_scan_region.sql.
alter table scans add column region_code text;
