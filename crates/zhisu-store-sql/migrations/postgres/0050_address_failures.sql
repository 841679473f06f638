-- Failed log-ins by client address (issue 16.4: one address held back
-- across log-ins), kept in the database since issue 20: with several
-- servers behind a load balancer each server's memory saw only its share
-- of an address's failures, and the address got as many tries as there
-- were servers. One row a failure, forgotten once past the window.
create table address_failures (
    address text not null,
    at text not null
);
create index address_failures_by_address on address_failures (address, at);
create index address_failures_by_time on address_failures (at);
