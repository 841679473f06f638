//! A production run over days (P5.3.3.3, issue 19.2): an active 一物一码 or
//! 组合多码 batch reports each later day's exact quantity and gets that
//! day's codes, the next of its numbering (`zhisu_domain::production_days`).

use chrono::Utc;
use zhisu_domain::production_days::{self, DayInput, DayRefusal, ProductionDay};
use zhisu_domain::Principal;
use zhisu_store::format_time;

use crate::{today_in_shanghai, RecordView, Service, ServiceError, ServiceResult};

impl Service {
    /// Records one day's exact quantity of batch `id`: a new version of the
    /// batch whose quantity grows by it; the day's codes are indexes
    /// `first_index .. first_index + quantity` of the batch's codes.
    pub async fn report_production_day(
        &self,
        by: &Principal,
        id: i64,
        input: &DayInput,
        ip: Option<String>,
    ) -> ServiceResult<(RecordView, ProductionDay)> {
        let (record, mut batch, product) = self.batch_and_product(by, id).await?;
        self.manufacturer_for(by, Some(record.enterprise_id))
            .await?;
        let (day, quantity, first_index) =
            production_days::check(&batch, product.trace_level, input, today_in_shanghai())
                .map_err(|refusal| match refusal {
                    DayRefusal::Invalid(invalid) => ServiceError::Invalid(invalid),
                    DayRefusal::Conflict(why) => ServiceError::Conflict(why),
                })?;
        let entry = ProductionDay {
            day,
            quantity,
            first_index,
            by: by.actor.clone(),
            at: format_time(Utc::now()),
        };
        production_days::add(&mut batch, entry.clone());
        let view = self
            .store_batch(by, &record, &batch, "batch.day", ip)
            .await?;
        Ok((view, entry))
    }
}
