-- Open recalls' figures (issue 18.1, P6.4): what the rollup holds for each
-- open recall (items its producer delivered, items returned, holders told)
-- and where, so a recount adds only the difference and a closed recall
-- takes back exactly what it added. The service counts each open recall
-- when it opens or closes, when a flow touches its goods, and at start and
-- daily with the report schedule (which fills this table for the recalls
-- opened before). Keep
-- in step with ../postgres/0040_recall_figures.sql.
create table recall_figures (
    recall_id bigint primary key,
    product_id bigint not null,
    enterprise_id bigint not null,
    region_code text not null,
    category text not null,
    delivered bigint not null,
    returned bigint not null,
    holders bigint not null
);
create index recall_figures_by_enterprise on recall_figures (enterprise_id, product_id);
