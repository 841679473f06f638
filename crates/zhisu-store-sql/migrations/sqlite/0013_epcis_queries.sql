-- EPCIS 2.0 named queries (`/epcis/queries`): a query definition kept under
-- a name, per enterprise (owner) or, for regulators and the operator, in
-- the platform's own namespace (owner null).
create table epcis_queries (
    id integer primary key,
    owner integer,
    name text not null,
    definition text not null,
    created_by text not null,
    created_at text not null
);
create unique index epcis_queries_name on epcis_queries (coalesce(owner, 0), name);
