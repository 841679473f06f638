-- Failed log-ins counted per log-in name, known or not (issue 16.4): the
-- count within the window and, once it reaches the limit, the lock's end.
create table login_failures (
    login text primary key,
    failures bigint not null,
    first_at text not null,
    locked_until text
);
