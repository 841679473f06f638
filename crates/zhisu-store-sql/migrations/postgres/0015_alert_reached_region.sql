-- Issue 15.1: a diversion alert is also the business of the regulators of
-- the region the goods turned up in, not only of the producer's.
alter table alerts add column reached_region text;
