//! 扫码页监管提示 (V6-dispose): while a case holding the `scan-notice`
//! measure is open, every scan of the codes it concerns says so — the
//! products its findings name (directly or through a batch), or all of an
//! enterprise's products when a finding is about the enterprise or its
//! trade. Read once after a case changes and kept beside the recalls in
//! the scan cache, so a scan pays a map lookup.

use std::collections::HashMap;
use std::sync::Arc;

use zhisu_domain::auth::ListScope;
use zhisu_domain::cases::{Case, CaseStatus, Measure};
use zhisu_domain::RecordKind;
use zhisu_store::RecordQuery;

use crate::{Service, ServiceResult};

/// Open cases' notices, by what they cover.
#[derive(Debug, Default)]
pub(crate) struct NoticeIndex {
    by_product: HashMap<i64, i64>,
    by_enterprise: HashMap<i64, i64>,
}

impl NoticeIndex {
    /// The case whose notice a code of `product` made by `enterprise` shows.
    pub(crate) fn covering(&self, product: Option<i64>, enterprise: i64) -> Option<i64> {
        product
            .and_then(|p| self.by_product.get(&p))
            .or_else(|| self.by_enterprise.get(&enterprise))
            .copied()
    }
}

/// What the public reads on the scan page.
pub(crate) fn notice_text(case_id: i64) -> String {
    format!(
        "监管提示：该产品的生产企业正在接受市场监管部门的核查处置（案件 {case_id}），请谨慎购买、使用 (regulatory notice: the market regulator is acting on findings about this product's producer, case {case_id}; buy and use with care)"
    )
}

impl Service {
    /// The notices of open cases, from the cache or read now.
    pub(crate) async fn case_notices(&self) -> ServiceResult<Arc<NoticeIndex>> {
        if let Some(index) = self.scan_cache.notices() {
            return Ok(index);
        }
        let generation = self.scan_cache.generation();
        let mut index = NoticeIndex::default();
        for status in [CaseStatus::Notified, CaseStatus::Answered] {
            let mut offset = 0;
            loop {
                let mut query = RecordQuery::new(RecordKind::Case, ListScope::All);
                query.tag = Some(status.as_str().into());
                query.limit = 500;
                query.offset = offset;
                let page = self.store.list_records(&query).await?;
                let n = page.items.len() as i64;
                for stored in page.items {
                    let Ok(case) = serde_json::from_value::<Case>(stored.body) else {
                        continue;
                    };
                    if !case.holds(Measure::ScanNotice) {
                        continue;
                    }
                    for f in &case.findings {
                        match RecordKind::parse(&f.kind) {
                            Some(RecordKind::Product) => {
                                index.by_product.insert(f.record_id, stored.id);
                            }
                            Some(RecordKind::Batch) => {
                                if let Some(b) = self.cached(RecordKind::Batch, f.record_id).await?
                                {
                                    if let Some(p) = b.body["product_id"].as_i64() {
                                        index.by_product.insert(p, stored.id);
                                    }
                                }
                            }
                            _ => {
                                index.by_enterprise.insert(case.enterprise_id, stored.id);
                            }
                        }
                    }
                }
                if n < 500 {
                    break;
                }
                offset += n;
            }
        }
        let index = Arc::new(index);
        self.scan_cache.set_notices(generation, index.clone());
        Ok(index)
    }
}
