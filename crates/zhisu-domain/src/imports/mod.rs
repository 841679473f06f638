//! 工具包导入 (issue 19.3, P5.3.2): what a manufacturer's or seller's
//! spreadsheet of products, batches, sales, purchases or daily quantities
//! holds — the templates' columns ([`columns`]) — and a filled-in sheet
//! read row by row into the API's bodies ([`rows`]).

pub mod columns;
pub mod ndjson;
pub mod rows;

pub use columns::{kind, kinds, list_values, Column, ColumnType, ImportKind};
pub use ndjson::read_ndjson;
pub use rows::{read_date, read_rows, CellError, ReadRow, SheetError};
