-- The code a record is found by when scanned (a product's GTIN), unique per kind.
alter table records add column code_key text;
create unique index records_kind_code_key on records (kind, code_key);
