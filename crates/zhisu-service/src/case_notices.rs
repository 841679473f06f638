//! 扫码页监管提示 (V6-dispose): while a case holding the `scan-notice`
//! measure is open, every scan of the codes it concerns says so — the
//! products its findings name (directly or through a batch), or all of an
//! enterprise's products when a finding is about the enterprise or its
//! trade. Read once after a case changes and kept beside the recalls in
//! the scan cache, so a scan pays a map lookup.

use std::collections::HashMap;
use std::sync::Arc;

use zhisu_domain::cases::Measure;

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
        for (id, case) in self.open_cases(None).await? {
            if !case.holds(Measure::ScanNotice) {
                continue;
            }
            let concerned = self.concerned_by(&case).await?;
            for p in concerned.products {
                index.by_product.insert(p, id);
            }
            if concerned.whole_enterprise {
                index.by_enterprise.insert(case.enterprise_id, id);
            }
        }
        let index = Arc::new(index);
        self.scan_cache.set_notices(generation, index.clone());
        Ok(index)
    }
}
