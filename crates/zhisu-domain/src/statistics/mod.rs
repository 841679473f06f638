//! Statistics (G10.2, P6.7, issue 18): the indicators regulators and
//! manufacturers read, each defined once (`indicators.rs`, from
//! `data/indicators.toml`); the rollups the write path keeps
//! (`rollup.rs`); the period read over (`period.rs`); the figures and
//! series computed from rollup rows (`compute.rs`); and the robust band
//! that flags a series' anomalies (`anomaly.rs`).

pub mod anomaly;
pub mod compute;
mod indicators;
pub mod period;
pub mod rollup;

pub use indicators::{glossary, Breakdown, Glossary, Indicator, IndicatorDef, Kind, Unit};
