//! Recalls (P6.4): open one on batches, a production date range or single
//! codes; every scan of a covered code turns red at once; trace forward
//! through every recorded sale and purchase to list each holder with
//! quantities and contacts; track progress; export the list as XLSX.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use zhisu_domain::auth::{ListScope, Tenancy};
use zhisu_domain::recall::{Recall, RecallInput, RecallProgress, RecallStatus};
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind};
use zhisu_store::{format_time, NewRecord, RecordIndex, RecordQuery, StoredRecord};

use crate::codes::VerifyStatus;
use crate::records::{audit, to_body, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// The open recalls, by batch and by code key.
#[derive(Debug, Default)]
pub(crate) struct RecallIndex {
    by_batch: HashMap<i64, (i64, String)>,
    by_code: HashMap<String, (i64, String)>,
}

impl RecallIndex {
    /// The recall (id, reason) covering a code, if any.
    pub(crate) fn covering(&self, batch_id: Option<i64>, key: &str) -> Option<&(i64, String)> {
        self.by_code
            .get(key)
            .or_else(|| batch_id.and_then(|b| self.by_batch.get(&b)))
    }
}

/// One holder of recalled goods.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Holder {
    /// On the platform: the enterprise.
    pub enterprise_id: Option<i64>,
    pub name: String,
    pub address: Option<String>,
    /// Shown when the caller may read the record it comes from.
    pub contact: Option<String>,
    /// 1 = bought from the producer, 2 = from a level-1 holder, …
    pub level: u32,
    pub received: u64,
    pub sold: u64,
    /// received − sold: what it should still have.
    pub holding: i64,
    /// On the platform: the enterprise's region (whose regulators see the recall).
    pub region_code: Option<String>,
}

/// A raw-material or component lot a recalled batch was made from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UpstreamLot {
    /// The recalled batch it went into.
    pub batch_id: i64,
    pub name: String,
    pub supplier: Option<String>,
    pub lot: Option<String>,
    pub code: Option<String>,
    /// When the lot was filed on this platform: its batch and producer.
    pub upstream_batch_id: Option<i64>,
    pub upstream_producer: Option<String>,
}

/// Where a recall's goods went, and what they were made from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecallTrace {
    pub recall_id: i64,
    pub batch_ids: Vec<i64>,
    /// Flow lines followed.
    pub lines: usize,
    pub holders: Vec<Holder>,
    /// Backward: the input lots of the recalled batches.
    pub inputs: Vec<UpstreamLot>,
    /// Holders on the platform: each is told at once, on its dashboard and
    /// recall list (issue 15.1).
    pub notified: u64,
    /// Items returned to the producer, from the holders' return records.
    pub returned: u64,
    /// Items the producer sold or sent on: what is to come back.
    pub delivered: u64,
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Party {
    Enterprise(i64),
    /// Off the platform: known only from the flow record naming it.
    Named(i64),
}

impl Service {
    /// The open recalls, from memory when warm (cleared by every write).
    pub(crate) async fn open_recalls(&self) -> ServiceResult<Arc<RecallIndex>> {
        if let Some(index) = self.scan_cache.recalls() {
            return Ok(index);
        }
        let generation = self.scan_cache.generation();
        let mut index = RecallIndex::default();
        for (id, recall) in self.open_recall_records().await? {
            for b in &recall.batch_ids {
                index.by_batch.insert(*b, (id, recall.reason.clone()));
            }
            for c in &recall.codes {
                index.by_code.insert(c.clone(), (id, recall.reason.clone()));
            }
        }
        let index = Arc::new(index);
        self.scan_cache.set_recalls(generation, index.clone());
        Ok(index)
    }

    /// Every open recall, by record ID, oldest first.
    pub(crate) async fn open_recall_records(&self) -> ServiceResult<Vec<(i64, Recall)>> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let mut query = RecordQuery::new(RecordKind::Recall, ListScope::All);
            query.tag = Some("open".into());
            query.limit = 500;
            query.offset = offset;
            let page = self.store.list_records(&query).await?;
            for r in &page.items {
                let recall: Recall = serde_json::from_value(r.body.clone())
                    .map_err(|e| ServiceError::Internal(format!("recall {}: {e}", r.id)))?;
                out.push((r.id, recall));
            }
            offset += page.items.len() as i64;
            if page.items.is_empty() || offset >= page.total {
                return Ok(out);
            }
        }
    }

    /// A record's region code, as stored.
    async fn region_of(&self, kind: RecordKind, id: i64) -> ServiceResult<String> {
        Ok(self
            .store
            .get_record(kind, id)
            .await?
            .map(|r| r.region_code)
            .unwrap_or_default())
    }

    pub(crate) async fn recall_allowed(
        &self,
        by: &Principal,
        product: &RecordView,
    ) -> ServiceResult<()> {
        let region = self.region_of(RecordKind::Product, product.id).await?;
        let reviewer = by.can_review(Tenancy {
            enterprise_id: product.enterprise_id,
            region_code: &region,
        });
        let maker = self
            .manufacturer_for(by, Some(product.enterprise_id))
            .await
            .is_ok();
        if reviewer || maker {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "只有生产企业或辖区监管部门可以召回 (only the producer or the region's regulators run a recall)".into(),
            ))
        }
    }

    async fn batches_of(&self, product_id: i64) -> ServiceResult<Vec<StoredRecord>> {
        let mut out = Vec::new();
        loop {
            let mut query = RecordQuery::new(RecordKind::Batch, ListScope::All);
            query.parent_id = Some(product_id);
            query.limit = 500;
            query.offset = out.len() as i64;
            let page = self.store.list_records(&query).await?;
            let done =
                page.items.is_empty() || out.len() as i64 + page.items.len() as i64 >= page.total;
            out.extend(page.items);
            if done {
                return Ok(out);
            }
        }
    }

    /// Opens a recall; from this moment every covered code scans as recalled.
    pub async fn open_recall(
        &self,
        by: &Principal,
        input: RecallInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let product = self
            .read_record(by, RecordKind::Product, input.product_id)
            .await?;
        self.recall_allowed(by, &product).await?;
        let range = input.validate()?;
        let mut findings = Vec::new();
        let batches = self.batches_of(product.id).await?;
        let mut batch_ids: Vec<i64> = Vec::new();
        for (i, id) in input.batch_ids.iter().enumerate() {
            if batches.iter().any(|b| b.id == *id) {
                batch_ids.push(*id);
            } else {
                findings.push(FieldError::new(
                    &format!("batch_ids[{i}]"),
                    "not-found",
                    format!("批次 {id} 不属于该产品 (batch {id} is not a batch of this product)"),
                ));
            }
        }
        if let Some((from, to)) = range {
            let in_range: Vec<i64> = batches
                .iter()
                .filter(|b| {
                    b.body["production_date"]
                        .as_str()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                        .is_some_and(|d| from <= d && d <= to)
                })
                .map(|b| b.id)
                .collect();
            if in_range.is_empty() {
                findings.push(FieldError::new(
                    "produced_from",
                    "empty",
                    format!("{from} 至 {to} 没有该产品的批次 (no batch of this product was produced from {from} to {to})"),
                ));
            }
            batch_ids.extend(in_range);
        }
        let mut codes = Vec::new();
        for (i, code) in input.codes.iter().enumerate() {
            let resolved = self.resolve_code(code).await?;
            let ours = resolved
                .product
                .as_ref()
                .is_some_and(|p| p.id == product.id);
            if resolved.verification.status == VerifyStatus::Invalid
                || resolved.verification.status == VerifyStatus::Unknown
                || resolved.verification.status == VerifyStatus::Suspect
                || !ours
                || resolved.batch.is_none()
            {
                findings.push(FieldError::new(
                    &format!("codes[{i}]"),
                    "not-found",
                    format!("{code} 不是该产品已签发的码 (not an issued code of this product)"),
                ));
            } else {
                codes.push(resolved.key);
            }
        }
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        batch_ids.sort_unstable();
        batch_ids.dedup();
        let recall = Recall {
            enterprise_id: product.enterprise_id,
            product_id: product.id,
            batch_ids,
            codes,
            reason: input.reason.trim().to_string(),
            status: RecallStatus::Open,
            opened_by: by.actor.clone(),
            opened_at: format_time(Utc::now()),
            notified: 0,
            returned: 0,
            closed_at: None,
        };
        let record = NewRecord {
            kind: RecordKind::Recall,
            index: recall_index(
                &recall,
                &self.region_of(RecordKind::Product, product.id).await?,
            ),
            body: to_body(&recall)?,
            links: vec![],
            flow: vec![],
            import_key: None,
        };
        let stored = self
            .store
            .create_record(record, audit(by, "recall.open", ip))
            .await?;
        self.record_changed(RecordKind::Recall, stored.id);
        // Issue 18.1: its figures counted from now (none once closed).
        self.recount_recall(stored.id).await;
        let base = &self.settings.public_url;
        let mut classes = Vec::new();
        for b in &recall.batch_ids {
            if let Some(batch) = self.store.get_record(RecordKind::Batch, *b).await? {
                let path = self
                    .store
                    .get_record(RecordKind::Product, recall.product_id)
                    .await?
                    .and_then(|p| serde_json::from_value::<zhisu_domain::Product>(p.body).ok())
                    .and_then(|p| p.code_path());
                if let (Some(path), Some(lot)) = (path, batch.body["batch_no"].as_str()) {
                    classes.push(format!(
                        "{base}{path}/10/{}",
                        zhisu_codes::gs1::digital_link::percent_encode(lot)
                    ));
                }
            }
        }
        let codes: Vec<String> = recall
            .codes
            .iter()
            .map(|k| format!("{base}{}", crate::flows::key_path(k)))
            .collect();
        if !classes.is_empty() || !codes.is_empty() {
            self.emit_event(
                by,
                recall.enterprise_id,
                crate::epcis::own::recall(&classes, &codes),
            )
            .await;
        }
        Ok(stored.into())
    }

    /// Reports progress (holders notified, items returned) or closes a recall.
    pub async fn recall_progress(
        &self,
        by: &Principal,
        id: i64,
        progress: RecallProgress,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        let record = self.read_record(by, RecordKind::Recall, id).await?;
        let mut recall: Recall = record.typed()?;
        let product = self
            .read_record(by, RecordKind::Product, recall.product_id)
            .await?;
        self.recall_allowed(by, &product).await?;
        if recall.status == RecallStatus::Closed {
            return Err(ServiceError::Conflict(
                "召回已结束 (the recall is closed)".into(),
            ));
        }
        // The figures come from the records (issue 15.1), never typed in.
        let typed: Vec<FieldError> = [("notified", progress.notified), ("returned", progress.returned)]
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(field, _)| FieldError::new(field, "derived", format!("{field} 由平台按购销与退回记录统计，不能手工填写 ({field} is counted from the flow and return records)")).clause("P6.4"))
            .collect();
        if !typed.is_empty() {
            return Err(Invalid(typed).into());
        }
        if !progress.close {
            return Err(Invalid(vec![FieldError::new("close", "required", "只能结束召回：通知与退回数量由平台统计 (only closing is reported: the figures are counted by the platform)").clause("P6.4")]).into());
        }
        let trace = self.trace_recall(by, id, &recall).await?;
        recall.notified = trace.notified;
        recall.returned = trace.returned;
        if progress.close {
            recall.status = RecallStatus::Closed;
            recall.closed_at = Some(format_time(Utc::now()));
        }
        let stored = self
            .store
            .update_record(
                RecordKind::Recall,
                id,
                Some(record.version),
                recall_index(&recall, &self.region_of(RecordKind::Recall, id).await?),
                to_body(&recall)?,
                audit(
                    by,
                    if progress.close {
                        "recall.close"
                    } else {
                        "recall.progress"
                    },
                    ip,
                ),
            )
            .await?;
        self.record_changed(RecordKind::Recall, stored.id);
        // Issue 18.1: its figures counted from now (none once closed).
        self.recount_recall(stored.id).await;
        Ok(stored.into())
    }

    /// Forward trace: every holder of the recalled goods, through every
    /// recorded sale and purchase, with what each received and sold on.
    pub async fn recall_trace(&self, by: &Principal, id: i64) -> ServiceResult<RecallTrace> {
        let (_, recall) = self.read_recall(by, id).await?;
        self.trace_recall(by, id, &recall).await
    }

    /// The trace of a recall the caller was let see.
    pub(crate) async fn trace_recall(
        &self,
        by: &Principal,
        id: i64,
        recall: &Recall,
    ) -> ServiceResult<RecallTrace> {
        let mut batch_ids = recall.batch_ids.clone();
        let code_set: HashSet<&str> = recall.codes.iter().map(String::as_str).collect();
        for code in &recall.codes {
            let uri = format!(
                "{}{}",
                self.settings.public_url,
                crate::flows::key_path(code)
            );
            if let Some(b) = self.resolve_code(&uri).await?.batch {
                batch_ids.push(b.id);
            }
        }
        batch_ids.sort_unstable();
        batch_ids.dedup();
        let rows = self.store.flow_of_batches(&batch_ids, 10_000_000).await?;
        let whole: HashSet<i64> = recall.batch_ids.iter().copied().collect();
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| whole.contains(&r.batch_id) || code_set.contains(r.code.as_str()))
            .collect();
        let party = |id: Option<i64>, flow_id: i64| match id {
            Some(e) => Party::Enterprise(e),
            None => Party::Named(flow_id),
        };
        let delivered_by_sale: HashSet<(&str, i64)> = rows
            .iter()
            .filter(|r| r.kind == "sale")
            .filter_map(|r| r.to_id.map(|t| (r.code.as_str(), t)))
            .collect();
        let mut returned = 0u64;
        let mut received: BTreeMap<Party, u64> = BTreeMap::new();
        let mut sold: BTreeMap<Party, u64> = BTreeMap::new();
        let mut edges: HashMap<Party, HashSet<Party>> = HashMap::new();
        for r in &rows {
            let to = party(r.to_id, r.flow_id);
            let from = party(r.from_id, r.flow_id);
            if r.kind == "purchase"
                && r.to_id
                    .is_some_and(|t| delivered_by_sale.contains(&(r.code.as_str(), t)))
            {
                continue; // the supplier's sale already counts it
            }
            *received.entry(to.clone()).or_default() += r.quantity as u64;
            // A sale or a return: the goods left the sender.
            if r.kind != "purchase" {
                *sold.entry(from.clone()).or_default() += r.quantity as u64;
            }
            if r.kind == "return" && r.to_id == Some(recall.enterprise_id) {
                returned += r.quantity as u64;
            }
            edges.entry(from).or_default().insert(to);
        }
        // Levels: breadth first from the producer.
        let producer = Party::Enterprise(recall.enterprise_id);
        let mut level: HashMap<Party, u32> = HashMap::from([(producer.clone(), 0)]);
        let mut queue = VecDeque::from([producer.clone()]);
        while let Some(p) = queue.pop_front() {
            let next = level[&p] + 1;
            for q in edges.get(&p).into_iter().flatten() {
                if !level.contains_key(q) {
                    level.insert(q.clone(), next);
                    queue.push_back(q.clone());
                }
            }
        }
        // Off-platform holders are named in flow records: read them at once.
        let named: Vec<i64> = received
            .keys()
            .filter_map(|p| match p {
                Party::Named(f) => Some(*f),
                Party::Enterprise(_) => None,
            })
            .collect();
        let flows: HashMap<i64, StoredRecord> = self
            .store
            .get_records(RecordKind::Flow, &named)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut holders = Vec::new();
        for (p, got) in &received {
            if *p == producer {
                continue;
            }
            let sold_on = sold.get(p).copied().unwrap_or(0);
            let mut region_code = None;
            let (enterprise_id, name, address, contact) = match p {
                Party::Enterprise(e) => match self.cached(RecordKind::Enterprise, *e).await? {
                    Some(r) => {
                        region_code = Some(r.region_code.clone());
                        (
                            Some(*e),
                            r.body["name"].as_str().unwrap_or_default().to_string(),
                            r.body["address"].as_str().map(str::to_string),
                            r.body["contact_phone"].as_str().map(str::to_string),
                        )
                    }
                    None => (Some(*e), format!("enterprise {e}"), None, None),
                },
                Party::Named(flow_id) => match flows.get(flow_id) {
                    Some(f) => {
                        let readable = by.can_read(Tenancy {
                            enterprise_id: f.enterprise_id,
                            region_code: &f.region_code,
                        });
                        (
                            None,
                            f.body["counterparty_name"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                            f.body["counterparty_address"].as_str().map(str::to_string),
                            f.body["counterparty_contact"]
                                .as_str()
                                .filter(|_| readable)
                                .and_then(|c| self.sealer.open(c)),
                        )
                    }
                    None => (None, format!("flow {flow_id}"), None, None),
                },
            };
            holders.push(Holder {
                enterprise_id,
                name,
                address,
                contact,
                level: level.get(p).copied().unwrap_or(1),
                received: *got,
                sold: sold_on,
                holding: *got as i64 - sold_on as i64,
                region_code,
            });
        }
        holders.sort_by(|a, b| a.level.cmp(&b.level).then(a.name.cmp(&b.name)));
        // Backward: what the recalled batches were made from.
        let mut inputs = Vec::new();
        for batch in self
            .store
            .get_records(RecordKind::Batch, &batch_ids)
            .await?
        {
            let lots: Vec<zhisu_domain::batch::MaterialLot> =
                serde_json::from_value(batch.body["inputs"].clone()).unwrap_or_default();
            for lot in lots {
                let (mut upstream_batch_id, mut upstream_producer) = (None, None);
                if let Some(code) = &lot.code {
                    let resolved = self.resolve_code(code).await?;
                    if let Some(b) = &resolved.batch {
                        upstream_batch_id = Some(b.id);
                        upstream_producer = self
                            .cached(RecordKind::Enterprise, b.enterprise_id)
                            .await?
                            .and_then(|e| e.body["name"].as_str().map(str::to_string));
                    }
                }
                inputs.push(UpstreamLot {
                    batch_id: batch.id,
                    name: lot.name,
                    supplier: lot.supplier,
                    lot: lot.lot,
                    code: lot.code,
                    upstream_batch_id,
                    upstream_producer,
                });
            }
        }
        let notified = holders.iter().filter(|h| h.enterprise_id.is_some()).count() as u64;
        let delivered = sold.get(&producer).copied().unwrap_or(0);
        Ok(RecallTrace {
            recall_id: id,
            batch_ids,
            lines: rows.len(),
            holders,
            inputs,
            notified,
            returned,
            delivered,
        })
    }

    /// The trace as an XLSX workbook (P6.4).
    pub async fn recall_trace_xlsx(&self, by: &Principal, id: i64) -> ServiceResult<Vec<u8>> {
        use zhisu_print::xlsx::{workbook, Cell, Sheet};
        let trace = self.recall_trace(by, id).await?;
        let rows: Vec<Vec<Cell>> = trace
            .holders
            .iter()
            .map(|h| {
                vec![
                    Cell::from(u64::from(h.level)),
                    Cell::from(h.name.as_str()),
                    Cell::from(h.address.clone().unwrap_or_default()),
                    Cell::from(h.contact.clone().unwrap_or_default()),
                    Cell::from(h.received),
                    Cell::from(h.sold),
                    Cell::Number(h.holding as f64),
                    Cell::from(h.enterprise_id.map(|e| e.to_string()).unwrap_or_default()),
                ]
            })
            .collect();
        let sheet = Sheet::new(
            &format!("召回 {id}"),
            &[
                "层级 level",
                "持有者 holder",
                "地址 address",
                "联系方式 contact",
                "收货 received",
                "售出 sold",
                "应持有 holding",
                "平台企业ID enterprise",
            ],
            rows,
        );
        Ok(workbook(&[sheet])?)
    }
}

pub(crate) fn recall_index(recall: &Recall, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(recall.enterprise_id),
        parent_id: Some(recall.product_id),
        unique_key: None,
        name: recall.reason.clone(),
        region_code: region_code.to_string(),
        tag: Some(recall.status.as_str().to_string()),
        code_key: None,
    }
}
