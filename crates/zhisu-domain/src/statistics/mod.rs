//! Statistics (G10.2, P6.7, issue 18): the indicators regulators and
//! manufacturers read, each defined once (`indicators.rs`, from
//! `data/indicators.toml`), and the robust band that flags a series'
//! anomalies (`anomaly.rs`).

pub mod anomaly;
mod indicators;

pub use indicators::{glossary, Breakdown, Glossary, Indicator, IndicatorDef, Kind, Unit};
