//! 工具包导入 (issue 19.3, P5.3.2): what a manufacturer's or seller's
//! spreadsheet of products, batches, sales, purchases or daily quantities
//! holds — the templates' columns ([`columns`]).

pub mod columns;

pub use columns::{kind, kinds, list_values, Column, ColumnType, ImportKind};
