//! What the statistics read (issue 18): the day-by-day rollups the write
//! path and the fold of scan summaries keep (`zhisu_domain::statistics::
//! rollup`), summed over the places a reader may see.

use async_trait::async_trait;
use chrono::NaiveDate;
use zhisu_domain::auth::ListScope;
use zhisu_domain::statistics::compute::MeasureRow;
use zhisu_domain::statistics::recall_figures::RecallFigures;
use zhisu_domain::statistics::rollup::{Measure, Place};

use crate::StoreResult;

/// Which rollup rows a figure sums: an enterprise's (its products'), or
/// those of regions (GB/T 2260 prefixes; `All` for the whole platform),
/// optionally of one product category.
#[derive(Debug, Clone)]
pub struct StatFilter {
    pub places: ListScope,
    pub category: Option<String>,
}

#[async_trait]
pub trait StatStore: Send + Sync {
    /// The rows of `measures` the filter admits, summed by measure, day and
    /// detail: a flow's from `from`, a stock's from its first day, both up
    /// to `to`.
    async fn stat_rows(
        &self,
        filter: &StatFilter,
        measures: &[Measure],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<MeasureRow>>;

    /// As [`StatStore::stat_rows`], summed by `group` too and tagged with
    /// its value: the first digits of the region code (places of regions
    /// only, not an enterprise's), or the product category.
    async fn stat_rows_by(
        &self,
        filter: &StatFilter,
        measures: &[Measure],
        from: NaiveDate,
        to: NaiveDate,
        group: StatGroup,
    ) -> StoreResult<Vec<(String, MeasureRow)>>;

    /// Brings one recall's figures in the rollup to `now` — its product,
    /// place and figures; None once it is no longer open — adding the
    /// difference from what was kept on the day of `at` (issue 18.1).
    async fn keep_recall_figures(
        &self,
        recall_id: i64,
        now: Option<(i64, &Place, &RecallFigures)>,
        at: &str,
    ) -> StoreResult<()>;

    /// The recalls whose figures the rollup holds.
    async fn kept_recalls(&self) -> StoreResult<Vec<i64>>;
}

/// What rollup rows are summed by beside measure, day and detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatGroup {
    /// The first digits of the region code (2: province, 4: city, 6:
    /// district).
    Region(usize),
    /// The product category ("" for what belongs to none).
    Category,
}
