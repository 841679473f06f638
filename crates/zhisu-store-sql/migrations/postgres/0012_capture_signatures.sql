-- G9.2: the key (its kid, of the capturing enterprise) whose detached
-- signature over the document was verified at capture; null when unsigned.
alter table epcis_captures add column signed_with text;
