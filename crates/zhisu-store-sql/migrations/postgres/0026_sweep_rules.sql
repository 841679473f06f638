-- What each verification sweep found, rule by rule (V5-auto, issue 17.2:
-- "counts per rule"), by region, so a regulator reads the counts of its
-- own jurisdiction only (V7). Keep in step with
-- ../sqlite/0026_sweep_rules.sql.
create table verification_sweep_rules (
    sweep_id bigint not null references verification_sweeps (id),
    rule text not null,
    region_code text not null,
    -- Findings of the rule the sweep saw (an incremental one: among the
    -- records it judged).
    seen bigint not null,
    -- Of those, new or seen again after being resolved.
    opened bigint not null,
    -- Open findings of the rule the sweep no longer saw.
    resolved bigint not null,
    -- Findings of the rule open in the whole store after the sweep.
    open bigint not null,
    primary key (sweep_id, rule, region_code)
);
