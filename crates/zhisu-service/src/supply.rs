//! The live view of production and circulation (P6.3): per product, what
//! was issued, shipped, moved between enterprises on the platform and sold
//! to buyers off it, with its alerts and open recalls; and which provinces
//! the goods were delivered to. Computed from the stored records and flow
//! lines at each request, so it is always current.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use zhisu_domain::auth::ListScope;
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::RecordQuery;

use crate::{Service, ServiceResult};

/// Records of one kind read for the view, at the most.
const MAX_RECORDS: i64 = 5_000;
/// Alerts read for the view, at the most (the newest).
const MAX_ALERTS: i64 = 1_000;

/// One product's production and circulation.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ProductSupply {
    pub product_id: i64,
    /// Product name and model.
    pub name: String,
    pub producer: String,
    /// Batches whose codes are valid now (not shown to sellers).
    pub active_batches: Option<u64>,
    /// Items in those batches (not shown to sellers).
    pub items: Option<u64>,
    /// Items the producer sold.
    pub shipped: i64,
    /// Item deliveries between enterprises on the platform (each hop counts).
    pub moved_on_platform: i64,
    /// Items sold to buyers off the platform (consumers, end users).
    pub sold_off_platform: i64,
    /// Counterfeit and diversion alerts (not shown to sellers).
    pub alerts: Option<u64>,
    pub open_recalls: u64,
}

/// Where goods were delivered on the platform, by province.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionSupply {
    /// GB/T 2260 province code, e.g. `440000`.
    pub region: String,
    pub name: String,
    pub items: i64,
}

/// The view: one row per product in the caller's scope (for a seller:
/// the products it bought or sold), and the provinces goods reached.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplyView {
    pub products: Vec<ProductSupply>,
    pub regions: Vec<RegionSupply>,
    /// More records (or alerts) than the view reads: the totals cover the
    /// newest 5,000 products, batches and recalls and 1,000 alerts.
    pub truncated: bool,
}

impl Service {
    /// Records of `kind` in `scope` (with `tag`), newest first, at most
    /// [`MAX_RECORDS`]; and whether there were more.
    async fn scoped(
        &self,
        kind: RecordKind,
        scope: &ListScope,
        tag: Option<&str>,
    ) -> ServiceResult<(Vec<zhisu_store::StoredRecord>, bool)> {
        let mut out = Vec::new();
        loop {
            let mut query = RecordQuery::new(kind, scope.clone());
            query.tag = tag.map(str::to_string);
            query.limit = 500;
            query.offset = out.len() as i64;
            let page = self.store.list_records(&query).await?;
            let done = page.items.len() < 500;
            out.extend(page.items);
            if done || out.len() as i64 >= MAX_RECORDS {
                return Ok((out, page.total > MAX_RECORDS));
            }
        }
    }

    /// The live view of production and circulation for `by` (P6.3).
    pub async fn supply_view(&self, by: &Principal) -> ServiceResult<SupplyView> {
        let seller = (by.role == Role::Seller)
            .then_some(by.enterprise_id)
            .flatten();
        let scope = by.list_scope();
        let totals = match seller {
            Some(me) => self.store.flow_totals(&ListScope::All, Some(me)).await?,
            None => self.store.flow_totals(&scope, None).await?,
        };
        let mut truncated = false;
        let mut rows: BTreeMap<i64, ProductSupply> = BTreeMap::new();
        if seller.is_none() {
            let (products, more) = self.scoped(RecordKind::Product, &scope, None).await?;
            truncated |= more;
            for p in products {
                rows.entry(p.id).or_default().product_id = p.id;
            }
            let (batches, more) = self
                .scoped(RecordKind::Batch, &scope, Some("active"))
                .await?;
            truncated |= more;
            for b in batches {
                let Some(product) = b.parent_id else { continue };
                let row = rows.entry(product).or_default();
                *row.active_batches.get_or_insert(0) += 1;
                *row.items.get_or_insert(0) += b.body["quantity"].as_u64().unwrap_or(0);
            }
            let alerts = self
                .store
                .list_alerts(&scope, &Default::default(), MAX_ALERTS)
                .await?;
            truncated |= alerts.len() as i64 == MAX_ALERTS;
            for alert in alerts {
                if let Some(product) = alert.product_id {
                    *rows.entry(product).or_default().alerts.get_or_insert(0) += 1;
                }
            }
            for row in rows.values_mut() {
                row.active_batches.get_or_insert(0);
                row.items.get_or_insert(0);
                row.alerts.get_or_insert(0);
            }
        }
        let mut regions: HashMap<i64, i64> = HashMap::new();
        for t in &totals {
            let row = rows.entry(t.product_id).or_default();
            if t.kind != "sale" {
                continue; // a purchase mirrors a sale; counting both counts twice
            }
            match t.to_id {
                Some(to) => {
                    row.moved_on_platform += t.quantity;
                    *regions.entry(to).or_default() += t.quantity;
                }
                None => row.sold_off_platform += t.quantity,
            }
        }
        let ids: Vec<i64> = rows.keys().copied().collect();
        let products = self.store.get_records(RecordKind::Product, &ids).await?;
        for p in &products {
            let row = rows.entry(p.id).or_default();
            row.product_id = p.id;
            row.name = crate::life::product_label(p);
            row.producer = self.enterprise_name(p.enterprise_id).await?;
        }
        let producer_of: HashMap<i64, i64> =
            products.iter().map(|p| (p.id, p.enterprise_id)).collect();
        for t in &totals {
            if t.kind == "sale"
                && t.from_id.is_some()
                && t.from_id == producer_of.get(&t.product_id).copied()
            {
                rows.entry(t.product_id).or_default().shipped += t.quantity;
            }
        }
        let known: HashSet<i64> = ids.iter().copied().collect();
        let (recalls, _) = self
            .scoped(RecordKind::Recall, &ListScope::All, Some("open"))
            .await?;
        for r in recalls {
            if let Some(product) = r.body["product_id"].as_i64().filter(|p| known.contains(p)) {
                rows.entry(product).or_default().open_recalls += 1;
            }
        }
        let mut by_province: BTreeMap<String, i64> = BTreeMap::new();
        for (enterprise, items) in regions {
            if let Some(e) = self.cached(RecordKind::Enterprise, enterprise).await? {
                let region = e.region_code.get(..2).unwrap_or("").to_string();
                *by_province.entry(format!("{region}0000")).or_default() += items;
            }
        }
        let mut regions: Vec<RegionSupply> = by_province
            .into_iter()
            .map(|(region, items)| RegionSupply {
                name: zhisu_codes::province_name(&region)
                    .unwrap_or("")
                    .to_string(),
                region,
                items,
            })
            .collect();
        regions.sort_by(|a, b| b.items.cmp(&a.items).then(a.region.cmp(&b.region)));
        Ok(SupplyView {
            products: rows.into_values().rev().collect(),
            regions,
            truncated,
        })
    }
}
