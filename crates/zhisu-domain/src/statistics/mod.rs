//! Statistics (G10.2, P6.7, issue 18): the indicators regulators and
//! manufacturers read, each defined once (`indicators.rs`, from
//! `data/indicators.toml`); the rollups the write path keeps
//! (`rollup.rs`, measured as `measure.rs` says); the period read over (`period.rs`); the figures and
//! series computed from rollup rows (`compute.rs`, the rows indexed in
//! `rows.rs`); the robust band that
//! flags a series' anomalies (`anomaly.rs`); figures as people read them
//! (`format.rs`); the month or quarter a report covers
//! (`report_period.rs`); the weekly rhythm a daily series is judged
//! with (`seasonal.rs`, public holidays as rest days: `holidays.rs`); where a seller's goods went (`market.rs`); and an indicator split by
//! status, kind, level, scheme, topic or category (`composition.rs`); what
//! feedback is about (`topics.rs`, from `data/feedback_topics.toml`).

pub mod anomaly;
pub mod composition;
pub mod compute;
pub mod findings;
pub mod format;
pub(crate) mod holidays;
mod indicators;
pub mod market;
mod measure;
pub mod period;
pub mod recall_figures;
pub mod report_period;
pub mod rollup;
mod rows;
mod sales;
pub mod seasonal;
pub mod topics;

pub use indicators::{glossary, Breakdown, Glossary, Indicator, IndicatorDef, Kind, Unit};
