//! What the statistics read (issue 18): the day-by-day rollups the write
//! path and the fold of scan summaries keep (`zhisu_domain::statistics::
//! rollup`), summed over the places a reader may see.

use async_trait::async_trait;
use chrono::NaiveDate;
use zhisu_domain::auth::ListScope;
use zhisu_domain::statistics::compute::MeasureRow;
use zhisu_domain::statistics::rollup::Measure;

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

    /// As [`StatStore::stat_rows`] for places of regions (not an
    /// enterprise's), summed by the first `digits` digits of the region
    /// code (2: province, 4: city, 6: district) and tagged with them.
    async fn stat_rows_by_region(
        &self,
        filter: &StatFilter,
        measures: &[Measure],
        from: NaiveDate,
        to: NaiveDate,
        digits: usize,
    ) -> StoreResult<Vec<(String, MeasureRow)>>;
}
