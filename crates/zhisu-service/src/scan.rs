//! The public scan (P6.6, G5.3, G6.1.3): a phone opens a code's URL and
//! learns whether it is genuine, what table 3 makes public, whether it is
//! recalled, and how often it was scanned before.
//!
//! The hot path reads nothing from the store when warm: products, batches
//! and enterprises come from the scan cache (`scan_cache.rs`, cleared by
//! every record write the service makes), scan counts from memory, codes
//! never scanned or traded from Bloom filters (`code_filter.rs`), and the
//! scan itself is queued for the scan log (`scan_log.rs`), which writes
//! queued scans in one transaction (group commit). Resolving a URI to its
//! records is `resolve.rs`.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::oneshot;
use zhisu_domain::public::{PublicParty, PublicProduct, PublicView};
use zhisu_domain::scan::{assess, AlertKind, Place, ScanSummary};
use zhisu_domain::{Batch, BatchStatus, Enterprise, Product, RecordKind, TraceLevel};
use zhisu_store::{format_time, Alert, NewScan, StoredRecord};

use crate::code_filter::{CodeFilter, CodeFilters};
use crate::codes::{Verification, VerifyStatus};
use crate::scan_cache::{CodeState, PublicBase, RECORD_CAPACITY, SUMMARY_CAPACITY};
use crate::scan_log::LogMessage;
use crate::{Service, ServiceError, ServiceResult};

/// An alert on a resolved code, to its producer (and the region's regulators).
pub(crate) fn alert_of(
    resolved: &Resolved,
    kind: AlertKind,
    now: DateTime<Utc>,
    detail: String,
) -> Alert {
    let owner = resolved
        .product
        .as_ref()
        .or(resolved.package.as_ref())
        .expect("alerts are raised on known codes");
    Alert {
        id: 0,
        kind,
        code: resolved.key.clone(),
        product_id: resolved.product.as_ref().map(|p| p.id),
        batch_id: resolved.batch.as_ref().map(|b| b.id),
        enterprise_id: owner.enterprise_id,
        region_code: owner.region_code.clone(),
        at: format_time(now),
        detail,
        reached_region: None,
        distributor_id: None,
    }
}

/// Who scanned: the client kind, and a coarse place when sent.
#[derive(Debug, Clone, Default)]
pub struct ScanContext {
    pub place: Option<Place>,
    /// A region code (GB/T 2260) the client says it is in: checked against
    /// the code's sales channel (防窜).
    pub region: Option<String>,
    /// `browser`, `wechat`, `alipay`, `api`.
    pub client: String,
    /// Log the scan (public scans do; previews by signed-in users do not).
    pub log: bool,
}

/// The client kind from a User-Agent and whether JSON was asked for.
pub fn client_kind(user_agent: &str, json: bool) -> &'static str {
    if user_agent.contains("MicroMessenger") {
        "wechat"
    } else if user_agent.contains("AlipayClient") {
        "alipay"
    } else if json {
        "api"
    } else {
        "browser"
    }
}

/// A code's scans, this one included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanCount {
    pub count: u64,
    /// RFC 3339, the first scan ever (this one if it is the first).
    pub first_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanWarning {
    pub kind: AlertKind,
    pub message: String,
}

/// Where the record behind the answer sits in the ledger.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerRef {
    /// `batch/12`, `product/3`, `package/7`
    pub record: String,
    pub version: i64,
    pub leaf_index: i64,
    /// Where to fetch the checkpoint and the inclusion proof.
    pub checkpoint: String,
    pub proof: String,
}

/// The answer to a public scan: the same in the page, the JSON and the
/// linkset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanView {
    pub status: VerifyStatus,
    pub message: String,
    /// The code as scanned, canonical: `https://host/01/…/21/…`.
    pub code: String,
    /// Table 3, for codes the platform issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<PublicView>,
    /// Items in a transport package (`/00/…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_items: Option<usize>,
    pub scans: ScanCount,
    pub warnings: Vec<ScanWarning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerRef>,
    /// A disposal's or a recall's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The open recall covering this code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall_id: Option<i64>,
    /// A regulator's notice while a case about the product or its producer
    /// is open (扫码页监管提示, V6-dispose).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// A resolved code: what it is and the records behind it.
pub(crate) struct Resolved {
    pub verification: Verification,
    /// `(01)…(21)…`: the key scans and links use.
    pub key: String,
    /// The canonical URI.
    pub uri: String,
    pub product: Option<Arc<StoredRecord>>,
    pub batch: Option<Arc<StoredRecord>>,
    pub package: Option<Arc<StoredRecord>>,
    pub serial: Option<String>,
}

impl Resolved {
    pub(crate) fn invalid(message: String, uri: &str) -> Self {
        Resolved {
            verification: Verification::of(VerifyStatus::Invalid, message),
            key: String::new(),
            uri: uri.to_string(),
            product: None,
            batch: None,
            package: None,
            serial: None,
        }
    }
}

/// Why a product code is unknown: a GTIN, or a `/c/` code named by what
/// it looks like (a well-formed CCC number, say). Only on a miss.
pub(crate) fn unfiled(code_key: &str) -> String {
    let Some(code) = code_key.strip_prefix("c/") else {
        return format!("GTIN {code_key} 未在本平台备案 (GTIN {code_key} is not filed here)");
    };
    let found = zhisu_codes::identify::identify(code);
    match serde_json::to_value(found.kind) {
        Ok(serde_json::Value::String(kind)) if found.valid && kind != "unknown" => format!(
            "格式正确的 {kind} {code}，但未在本平台作为追溯码备案 (a well-formed {kind}, not filed here as a trace code)"
        ),
        _ => format!("{code} 未在本平台作为追溯码备案 (code {code} is not filed here)"),
    }
}

pub(crate) fn typed<T: serde::de::DeserializeOwned>(r: &StoredRecord) -> ServiceResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| ServiceError::Internal(format!("stored {:?} {}: {e}", r.kind, r.id)))
}

impl Service {
    /// Every record write the service makes ends here or in
    /// [`Service::record_changed`], so the scan path never answers from a
    /// stale record. This one clears the whole scan cache, and tells the
    /// other servers on the database to (`change_feed.rs`; a record's own
    /// write they hear of from the database itself).
    pub(crate) fn records_changed(&self) {
        self.scan_cache.invalidate();
        self.announce_all_changed();
    }

    /// A write of one record: clears only what it may have changed.
    pub(crate) fn record_changed(&self, kind: RecordKind, id: i64) {
        self.scan_cache.changed(kind, id);
    }

    /// An enterprise's name (public, G5.3), for lists that name parties.
    pub(crate) async fn enterprise_name(&self, id: i64) -> ServiceResult<String> {
        Ok(self
            .cached(RecordKind::Enterprise, id)
            .await?
            .and_then(|e| e.body["name"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("enterprise {id}")))
    }

    pub(crate) async fn cached(
        &self,
        kind: RecordKind,
        id: i64,
    ) -> ServiceResult<Option<Arc<StoredRecord>>> {
        let store = self.store.clone();
        self.scan_cache
            .record(kind, format!("id:{id}"), || async move {
                store.get_record(kind, id).await
            })
            .await
    }

    /// The public scan. With `ctx.log`, the scan is counted and logged,
    /// and a suspicious history raises an alert.
    pub async fn scan(&self, code: &str, ctx: &ScanContext) -> ServiceResult<ScanView> {
        let resolved = self.resolve_code(code).await?;
        let now = Utc::now();
        let mut view = ScanView {
            status: resolved.verification.status,
            message: resolved.verification.message.clone(),
            code: resolved.uri.clone(),
            public: None,
            package_items: None,
            scans: ScanCount {
                count: 0,
                first_at: None,
            },
            warnings: Vec::new(),
            ledger: None,
            reason: None,
            recall_id: None,
            notice: None,
        };
        if view.status == VerifyStatus::Invalid {
            return Ok(view);
        }
        if matches!(view.status, VerifyStatus::Genuine | VerifyStatus::Frozen) {
            let recalls = self.open_recalls().await?;
            let batch_id = resolved.batch.as_ref().map(|b| b.id);
            if let Some((id, reason)) = recalls.covering(batch_id, &resolved.key) {
                view.status = VerifyStatus::Recalled;
                view.message = "此产品已被召回，请停止使用并联系生产企业 (this product is recalled: stop using it and contact the producer)".into();
                view.reason = Some(reason.clone());
                view.recall_id = Some(*id);
            }
        }
        if view.status == VerifyStatus::Suspect {
            return self.suspect(view, &resolved, ctx, now).await;
        }
        let owner = match (&resolved.product, &resolved.package) {
            (Some(p), _) => Some(p.enterprise_id),
            (None, Some(p)) => Some(p.enterprise_id),
            _ => None,
        };
        let shown = matches!(
            view.status,
            VerifyStatus::Genuine
                | VerifyStatus::Frozen
                | VerifyStatus::Voided
                | VerifyStatus::Recalled
        );
        if let (true, Some(owner)) = (shown, owner) {
            let product_id = resolved.product.as_ref().map(|p| p.id);
            view.notice = self
                .case_notices()
                .await?
                .covering(product_id, owner)
                .map(crate::case_notices::notice_text);
            let base = self.public_base(owner, &resolved).await?;
            if view.status == VerifyStatus::Genuine && !base.producer_verified {
                view.status = VerifyStatus::Unverified;
                view.message = "此码由本平台签发，但生产企业的身份尚未经监管部门核验，暂不能确认为正品：请核对生产企业信息，谨慎购买 (issued by this platform, but no regulator has yet verified who its producer is, so it cannot be confirmed genuine: check the producer and buy with care)".into();
            }
            let producer = base.producer.clone();
            let product = base.product.clone().map(|mut p| {
                p.trace_code = view.code.clone();
                p.serial = resolved.serial.clone();
                p
            });
            if view.reason.is_none() {
                view.reason = base.reason.clone();
            }
            if let Some(p) = &resolved.package {
                view.package_items = p
                    .body
                    .get("children")
                    .and_then(|c| c.as_array())
                    .map(Vec::len);
            }
            let sellers = self.sellers_of(&resolved.key).await?;
            view.public = Some(PublicView {
                producer,
                product,
                sellers: sellers.as_ref().clone(),
            });
            let anchor = resolved
                .batch
                .as_ref()
                .or(resolved.package.as_ref())
                .or(resolved.product.as_ref())
                .expect("a shown code has a record");
            view.ledger = Some(LedgerRef {
                record: format!("{}/{}", anchor.kind.as_str(), anchor.id),
                version: anchor.version,
                leaf_index: anchor.leaf_index,
                checkpoint: "/ledger/checkpoint".into(),
                proof: format!(
                    "/ledger/proof/inclusion?index={}&tree_size={{tree_size}}",
                    anchor.leaf_index
                ),
            });
        }
        // Count and log only codes the platform issued: made-up serials
        // must not grow the store.
        if view.status != VerifyStatus::Unknown {
            let per_item = resolved.serial.is_some()
                && resolved
                    .product
                    .as_deref()
                    .and_then(|p| p.body.get("trace_level"))
                    .and_then(|t| serde_json::from_value::<TraceLevel>(t.clone()).ok())
                    .is_some_and(|t| matches!(t, TraceLevel::PerItem | TraceLevel::MultiCode));
            let state = self.code_state(&resolved.key).await?;
            let mut kinds = state.alerts.clone();
            let mut summary = state.summary;
            if ctx.log {
                let fresh = assess(
                    &summary,
                    now.timestamp(),
                    ctx.place,
                    per_item,
                    &self.scan_policy,
                );
                // Stored with the scan, by the log's writer: a scan never
                // waits for the store, whose writer may be in a fold.
                let mut raised = Vec::new();
                for kind in fresh {
                    if !kinds.contains(&kind) {
                        let detail = match ctx.place {
                            Some(p) => format!(
                                "{}; at {:.1},{:.1} via {}",
                                kind.warning(),
                                p.lat,
                                p.lon,
                                ctx.client
                            ),
                            None => format!("{}; via {}", kind.warning(), ctx.client),
                        };
                        raised.push(alert_of(&resolved, kind, now, detail));
                        kinds.push(kind);
                    }
                }
                if let Some(region) = &ctx.region {
                    if !kinds.contains(&AlertKind::Diversion) {
                        let what = format!("扫码 scanned via {}", ctx.client);
                        if let Some(alert) = self.diversion(&resolved, region, &what).await? {
                            kinds.push(alert.kind);
                            raised.push(alert);
                        }
                    }
                }
                summary = self.count_scan(&resolved.key, now, ctx.place, &kinds);
                let scan = NewScan {
                    code: resolved.key.clone(),
                    product_id: resolved.product.as_ref().map(|p| p.id),
                    batch_id: resolved.batch.as_ref().map(|b| b.id),
                    at: now,
                    place: ctx.place,
                    client: ctx.client.clone(),
                    region: ctx.region.clone(),
                };
                self.scan_log.queue(&self.store, scan, raised).await?;
            }
            view.scans = ScanCount {
                count: summary.count,
                first_at: summary.first_at,
            };
            let copied = kinds
                .iter()
                .any(|k| matches!(k, AlertKind::TooManyScans | AlertKind::ImpossibleTravel));
            if copied && view.status == VerifyStatus::Genuine {
                // Issued here, but not to be called "verified" (issue 15.6).
                view.message = "此码由本平台签发，但扫码记录显示它可能已被复制到其他商品上：请核对商品与包装，谨慎购买 (issued by this platform, but its scans suggest it was copied onto other goods: check the product and buy with care)".into();
            }
            view.warnings = kinds
                .into_iter()
                .map(|kind| ScanWarning {
                    kind,
                    message: kind.warning().into(),
                })
                .collect();
        }
        Ok(view)
    }

    /// The table 3 view of a producer, product and batch, built once per
    /// write generation; only the code and serial differ between items.
    pub(crate) async fn public_base(
        &self,
        owner: i64,
        resolved: &Resolved,
    ) -> ServiceResult<Arc<PublicBase>> {
        let key = (
            owner,
            resolved.product.as_ref().map(|p| p.id),
            resolved.batch.as_ref().map(|b| b.id),
        );
        if let Some(hit) = self.scan_cache.publics.read().expect("lock").get(&key) {
            return Ok(hit.clone());
        }
        let generation = self.scan_cache.generation();
        let enterprise = self
            .cached(RecordKind::Enterprise, owner)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("enterprise {owner} is gone")))?;
        let enterprise = typed::<Enterprise>(&enterprise)?;
        let producer = PublicParty::of(&enterprise);
        let producer_verified = zhisu_domain::identity_check::is_verified(&enterprise);
        let batch: Option<Batch> = resolved.batch.as_deref().map(typed).transpose()?;
        let product = resolved
            .product
            .as_deref()
            .map(typed::<Product>)
            .transpose()?
            .map(|p| PublicProduct::of("", &p, batch.as_ref(), None));
        let reason = batch
            .as_ref()
            .filter(|b| matches!(b.status, BatchStatus::Frozen | BatchStatus::Voided))
            .and_then(|b| b.disposal.as_ref().map(|d| d.reason.clone()));
        let base = Arc::new(PublicBase {
            producer,
            producer_verified,
            product,
            reason,
        });
        let mut map = self.scan_cache.publics.write().expect("lock");
        if self.scan_cache.generation() == generation {
            if map.len() >= RECORD_CAPACITY {
                map.clear();
            }
            map.insert(key, base.clone());
        }
        Ok(base)
    }

    /// The sellers (on the platform) a code was delivered to, latest first.
    pub(crate) async fn sellers_of(&self, key: &str) -> ServiceResult<Arc<Vec<PublicParty>>> {
        if let Some(hit) = self.scan_cache.sellers.read().expect("lock").get(key) {
            return Ok(hit.clone());
        }
        if self.code_filters().traded.lacks(key) {
            static NONE: OnceLock<Arc<Vec<PublicParty>>> = OnceLock::new();
            return Ok(NONE.get_or_init(Default::default).clone());
        }
        let generation = self.scan_cache.generation.load(Ordering::SeqCst);
        let mut sellers = Vec::new();
        for id in self.store.holders_of(key).await? {
            if let Some(e) = self.cached(RecordKind::Enterprise, id).await? {
                let e: Enterprise = typed(&e)?;
                if e.kind == zhisu_domain::EnterpriseKind::Seller {
                    sellers.push(PublicParty::of(&e));
                }
            }
        }
        let sellers = Arc::new(sellers);
        let mut map = self.scan_cache.sellers.write().expect("lock");
        if self.scan_cache.generation.load(Ordering::SeqCst) == generation {
            if map.len() >= RECORD_CAPACITY {
                map.clear();
            }
            map.insert(key.to_string(), sellers.clone());
        }
        Ok(sellers)
    }

    /// A code's scan summary and alerts, from memory when warm.
    pub(crate) async fn code_state(&self, key: &str) -> ServiceResult<CodeState> {
        if let Some(s) = self.scan_cache.codes.lock().expect("lock").get(key) {
            return Ok(s.clone());
        }
        if self.code_filters().scanned.lacks(key) {
            return Ok(CodeState::default());
        }
        let (summary, alerts) = self.scan_log.fold.summary(self.store.as_ref(), key).await?;
        let stored = CodeState { summary, alerts };
        let mut map = self.scan_cache.codes.lock().expect("lock");
        if map.len() >= SUMMARY_CAPACITY {
            map.clear();
        }
        Ok(map.entry(key.to_string()).or_insert(stored).clone())
    }

    /// The filters of codes with state; the first call starts loading
    /// them, off the request path.
    pub(crate) fn code_filters(&self) -> &CodeFilters {
        self.scan_cache.filters.get_or_init(|| {
            // 8 million codes each at about 1% false positives (10 MB
            // each); beyond that they answer "maybe" more often and the
            // store is read instead.
            let filters = Arc::new(CodeFilters {
                scanned: CodeFilter::with_capacity(8_000_000),
                traded: CodeFilter::with_capacity(8_000_000),
            });
            let (loading, store) = (filters.clone(), self.store.clone());
            tokio::spawn(async move {
                loading
                    .scanned
                    .load(store.as_ref(), zhisu_store::CodeSet::Scanned)
                    .await;
                loading
                    .traded
                    .load(store.as_ref(), zhisu_store::CodeSet::Traded)
                    .await;
            });
            filters
        })
    }

    /// Codes a flow just delivered to an enterprise on the platform.
    pub(crate) fn codes_traded<'a>(&self, codes: impl IntoIterator<Item = &'a str>) {
        if let Some(filters) = self.scan_cache.filters.get() {
            for code in codes {
                filters.traded.insert(code);
            }
        }
    }

    pub(crate) fn count_scan(
        &self,
        key: &str,
        now: DateTime<Utc>,
        place: Option<Place>,
        alerts: &[AlertKind],
    ) -> ScanSummary {
        self.code_filters().scanned.insert(key);
        let mut map = self.scan_cache.codes.lock().expect("lock");
        let state = map.entry(key.to_string()).or_default();
        state
            .summary
            .record(now.timestamp(), || format_time(now), place);
        state.alerts = alerts.to_vec();
        state.summary.clone()
    }

    /// Stores an alert at once (a flow's; a scan's go with the scan log).
    pub(crate) async fn raise(&self, alert: Alert) -> ServiceResult<()> {
        let (kind, code) = (alert.kind, alert.code.clone());
        if self.store.raise_alert(alert).await? {
            tracing::warn!(code = %code, kind = kind.as_str(), "alert raised");
        }
        Ok(())
    }

    /// 防窜 (P6.5): when the producer assigned channels and shipped this code
    /// to a distributor, a code turning up in a region outside that
    /// distributor's raises a diversion alert naming it: the alert to raise.
    pub(crate) async fn diversion(
        &self,
        resolved: &Resolved,
        region: &str,
        what: &str,
    ) -> ServiceResult<Option<Alert>> {
        let Some(batch) = &resolved.batch else {
            return Ok(None);
        };
        let Some(maker) = self
            .cached(RecordKind::Enterprise, batch.enterprise_id)
            .await?
        else {
            return Ok(None);
        };
        let maker: Enterprise = typed(&maker)?;
        if maker.channels.is_empty() {
            return Ok(None);
        }
        for to in self
            .store
            .shipped_to(&resolved.key, batch.enterprise_id)
            .await?
        {
            let Some(channel) = maker.channels.iter().find(|c| c.distributor_id == to) else {
                continue;
            };
            if channel.covers(region) {
                return Ok(None);
            }
            let name = self.enterprise_name(to).await?;
            let province = zhisu_codes::province_name(region)
                .map(|p| format!("（{p}）"))
                .unwrap_or_default();
            let detail = format!(
                "发往经销商 {name}（销售区域 {}）的码出现在 {region}{province}：{what} (shipped to distributor {name} for {}, turned up in region {region})",
                channel.regions.join("、"),
                channel.regions.join(", ")
            );
            let mut alert = alert_of(resolved, AlertKind::Diversion, Utc::now(), detail);
            alert.reached_region = Some(region.to_string());
            alert.distributor_id = Some(to);
            return Ok(Some(alert));
        }
        Ok(None)
    }

    /// Waits until every scan queued so far is stored (at shutdown, in tests).
    pub async fn flush_scans(&self) {
        let Some(sender) = self.scan_log.sender.get() else {
            return;
        };
        let (tx, rx) = oneshot::channel();
        if sender.send(LogMessage::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Opens the scan journal in `dir` (issue 16.12) and stores the scans a
    /// killed server answered but had not stored: run before serving, with
    /// a folder of this server's own. Returns how many it stored.
    pub async fn open_scan_journal(&self, dir: &std::path::Path) -> ServiceResult<u64> {
        // Issue 20.1: this server's journal is its own to replay and fold,
        // for as long as it runs; a server that stopped is taken over by
        // one other (`scan_folds.rs`) under the same lock.
        let name = crate::scan_journal::ScanJournal::name_in(dir)?;
        let held = self.take_journal_lock(&name).await?;
        *self.scan_log.journal_lock.lock().expect("lock") = Some(held);
        let (journal, replayed) =
            crate::scan_journal::ScanJournal::open(dir, self.store.as_ref()).await?;
        let _ = self.scan_log.fold.journal.set(journal.name.clone());
        self.scan_log
            .journal
            .set(Arc::new(journal))
            .map_err(|_| ServiceError::Internal("the scan journal is open already".into()))?;
        Ok(replayed)
    }

    /// Scans answered and queued for the log since this process started.
    pub fn scans_logged(&self) -> u64 {
        self.scan_log.queued.load(Ordering::Relaxed)
    }

    /// Whether the filters of codes with state are loaded (they start
    /// loading at the first scan); until then a code's first scan reads
    /// the store.
    pub fn scan_filters_ready(&self) -> bool {
        self.scan_cache.filters.get().is_some_and(|f| {
            f.scanned.ready.load(Ordering::Acquire) && f.traded.ready.load(Ordering::Acquire)
        })
    }

    /// How many scans are stored (after [`Service::flush_scans`], all answered ones).
    pub async fn count_scans(&self) -> ServiceResult<i64> {
        Ok(self.store.count_scans().await?)
    }

    pub fn public_file_allowed(view: &ScanView, sha256: &str) -> bool {
        view.public
            .as_ref()
            .is_some_and(|p| p.files().iter().any(|f| f.sha256 == sha256))
    }
}
