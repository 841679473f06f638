//! 冻结追溯码 (V6-dispose): a case holding the `freeze-codes` measure (the
//! serious class) freezes the active batches of the products it concerns
//! when it opens or escalates to it, through the batch disposal every scan
//! already shows; closing the case lifts the freezes it made, and only
//! those. The case keeps which batches it froze.

use zhisu_domain::auth::ListScope;
use zhisu_domain::batch::{BatchAction, BatchStatus};
use zhisu_domain::cases::{Case, Measure};
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::RecordQuery;

use crate::{Service, ServiceResult};

/// What a case concerns ([`Service::concerned_by`]).
#[derive(Debug, Default)]
pub(crate) struct Concerned {
    pub(crate) products: Vec<i64>,
    /// A finding is about the enterprise or its trade: every product of it.
    pub(crate) whole_enterprise: bool,
}

impl Concerned {
    pub(crate) fn covers(&self, product_id: i64) -> bool {
        self.whole_enterprise || self.products.contains(&product_id)
    }
}

impl Service {
    /// What a case concerns: the products its findings name, directly or
    /// through a batch, and whether a finding is about the enterprise or
    /// its trade as a whole. 暂停赋码, the scan-page notice and the freeze
    /// all read it.
    pub(crate) async fn concerned_by(&self, case: &Case) -> ServiceResult<Concerned> {
        let mut concerned = Concerned::default();
        for f in &case.findings {
            match RecordKind::parse(&f.kind) {
                Some(RecordKind::Product) => concerned.products.push(f.record_id),
                Some(RecordKind::Batch) => {
                    if let Some(b) = self
                        .store
                        .get_record(RecordKind::Batch, f.record_id)
                        .await?
                    {
                        concerned.products.extend(b.body["product_id"].as_i64());
                    }
                }
                _ => concerned.whole_enterprise = true,
            }
        }
        concerned.products.sort_unstable();
        concerned.products.dedup();
        Ok(concerned)
    }

    /// The products a case concerns, every product of the enterprise for
    /// a finding about it as a whole.
    pub(crate) async fn products_of_case(&self, case: &Case) -> ServiceResult<Vec<i64>> {
        let Concerned {
            mut products,
            whole_enterprise,
        } = self.concerned_by(case).await?;
        if whole_enterprise {
            let mut query = RecordQuery::new(RecordKind::Product, ListScope::All);
            query.enterprise_id = Some(case.enterprise_id);
            query.limit = 500;
            products.extend(
                self.store
                    .list_records(&query)
                    .await?
                    .items
                    .iter()
                    .map(|p| p.id),
            );
        }
        products.sort_unstable();
        products.dedup();
        Ok(products)
    }

    /// Freezes the active batches of the products `case` concerns, when it
    /// holds `freeze-codes`; the batches frozen, to keep in the case.
    pub(crate) async fn freeze_for_case(
        &self,
        by: &Principal,
        case: &Case,
        ip: Option<String>,
    ) -> ServiceResult<Vec<i64>> {
        if !case.holds(Measure::FreezeCodes) {
            return Ok(Vec::new());
        }
        let reason = format!(
            "监管立案处置（{}）：冻结追溯码，结案后解除 (frozen by a regulator's case, {}, until it is closed)",
            case.class.label_zh(),
            case.class.as_str()
        );
        let mut frozen = Vec::new();
        for product in self.products_of_case(case).await? {
            let mut query = RecordQuery::new(RecordKind::Batch, ListScope::All);
            query.parent_id = Some(product);
            query.tag = Some(BatchStatus::Active.as_str().into());
            query.limit = 500;
            for batch in self.store.list_records(&query).await?.items {
                self.dispose_batch(by, batch.id, BatchAction::Freeze, &reason, ip.clone())
                    .await?;
                frozen.push(batch.id);
            }
        }
        Ok(frozen)
    }

    /// Lifts the freezes a closing case made, where they still hold.
    pub(crate) async fn unfreeze_for_case(
        &self,
        by: &Principal,
        case_id: i64,
        frozen: &[i64],
        ip: Option<String>,
    ) -> ServiceResult<()> {
        let reason = format!("案件 {case_id} 结案，解除冻结 (case {case_id} is closed)");
        for id in frozen {
            let still = self
                .store
                .get_record(RecordKind::Batch, *id)
                .await?
                .is_some_and(|b| b.body["status"] == BatchStatus::Frozen.as_str());
            if still {
                self.dispose_batch(by, *id, BatchAction::Unfreeze, &reason, ip.clone())
                    .await?;
            }
        }
        Ok(())
    }
}
