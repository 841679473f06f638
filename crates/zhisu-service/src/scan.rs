//! The public scan (P6.6, G5.3, G6.1.3): a phone opens a code's URL and
//! learns whether it is genuine, what table 3 makes public, whether it is
//! recalled, and how often it was scanned before.
//!
//! The hot path reads nothing from the store when warm: products, batches
//! and enterprises come from [`ScanCache`] (cleared by every record write
//! the service makes), scan counts from memory, and the scan itself is
//! queued for [`ScanLog`], which writes queued scans in one transaction
//! (group commit).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use zhisu_codes::gs1::digital_link::canonical_item;
use zhisu_codes::gs1::{DigitalLink, DlOptions};
use zhisu_codes::scheme::SchemeLink;
use zhisu_domain::public::{PublicParty, PublicProduct, PublicView};
use zhisu_domain::scan::{assess, AlertKind, Place, ScanSummary};
use zhisu_domain::{Batch, BatchStatus, Enterprise, Product, RecordKind, TraceLevel};
use zhisu_store::{format_time, Alert, NewScan, ScanStore, Store, StoredRecord};

use crate::codes::{Verification, VerifyStatus};
use crate::{Service, ServiceError, ServiceResult};

/// Codes whose scan summary is kept in memory before the map starts over.
const SUMMARY_CAPACITY: usize = 200_000;
/// Records kept in memory before the map starts over.
const RECORD_CAPACITY: usize = 50_000;
/// How long a busy writer waits for more scans before committing.
const GATHER_MS: u64 = 5;
/// The most scans written in one transaction.
const LOG_BATCH: usize = 4096;
/// Scans are folded into their codes' stored summaries at least this often …
/// (a fold rewrites the pages of the codes it folds; folding every 250 ms
/// or 2,000 codes wrote 2.4× the log bytes per scan and took 1.7× the
/// writer's CPU per scan under the scan benchmark: docs/benchmarks.md)
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// … or when this many codes have scans pending.
const FOLD_CODES: usize = 50_000;

/// (producer, product, batch)
type PublicKey = (i64, Option<i64>, Option<i64>);

/// A cached lookup: found or known to be absent.
type RecordMap = HashMap<(RecordKind, String), Option<Arc<StoredRecord>>>;

/// Products, batches, enterprises and packages by ID and code, as of the
/// last record write.
#[derive(Default)]
pub(crate) struct ScanCache {
    generation: AtomicU64,
    records: RwLock<RecordMap>,
    /// Table 3 views by (producer, product, batch).
    publics: RwLock<HashMap<PublicKey, Arc<PublicBase>>>,
    /// The open recalls, loaded on first use after a write.
    recalls: RwLock<Option<Arc<crate::recalls::RecallIndex>>>,
    /// The sellers a code reached, by code key.
    sellers: RwLock<HashMap<String, Arc<Vec<PublicParty>>>>,
    codes: Mutex<HashMap<String, CodeState>>,
    /// Loaded once, in the background, at the first scan.
    filters: OnceLock<Arc<CodeFilters>>,
    /// Made-up serials scanned per product (issue 15.6).
    pub(crate) guesses: Mutex<zhisu_domain::guessing::Guesses>,
}

/// What every code of one batch shows alike.
pub(crate) struct PublicBase {
    pub(crate) producer: PublicParty,
    product: Option<PublicProduct>,
    /// A freeze's or void's reason.
    reason: Option<String>,
}

/// A scanned code's summary and its alerts, kept in memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeState {
    pub(crate) summary: ScanSummary,
    alerts: Vec<AlertKind>,
}

impl ScanCache {
    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.records.write().expect("cache lock").clear();
        self.sellers.write().expect("cache lock").clear();
        self.publics.write().expect("cache lock").clear();
        *self.recalls.write().expect("cache lock") = None;
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn recalls(&self) -> Option<Arc<crate::recalls::RecallIndex>> {
        self.recalls.read().expect("cache lock").clone()
    }

    /// Keeps a recall index read at `generation`, unless a write came since.
    pub(crate) fn set_recalls(&self, generation: u64, index: Arc<crate::recalls::RecallIndex>) {
        let mut slot = self.recalls.write().expect("cache lock");
        if self.generation() == generation {
            *slot = Some(index);
        }
    }

    /// A record by key, read through `load` on a miss. What was read while
    /// a write happened is not kept.
    async fn record<F, Fut>(
        &self,
        kind: RecordKind,
        key: String,
        load: F,
    ) -> ServiceResult<Option<Arc<StoredRecord>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = zhisu_store::StoreResult<Option<StoredRecord>>>,
    {
        if let Some(hit) = self
            .records
            .read()
            .expect("cache lock")
            .get(&(kind, key.clone()))
        {
            return Ok(hit.clone());
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let loaded = load().await?.map(Arc::new);
        let mut map = self.records.write().expect("cache lock");
        if self.generation.load(Ordering::SeqCst) == generation {
            if map.len() >= RECORD_CAPACITY {
                map.clear();
            }
            map.insert((kind, key), loaded.clone());
        }
        Ok(loaded)
    }
}

/// Fingerprints of a set of codes (a Bloom filter, 7 hashes, about 10 bits
/// per code): a code it does not know is not in the set, so the scan needs
/// no read to learn that. No false negatives; a false positive only costs
/// the read it would have made anyway.
pub(crate) struct CodeFilter {
    bits: Vec<AtomicU64>,
    ready: std::sync::atomic::AtomicBool,
}

/// The codes with state a scan shows: most codes of a large batch have
/// none, and their first scan then reads nothing.
pub(crate) struct CodeFilters {
    /// Codes with stored scans (their count and alerts are read once).
    scanned: CodeFilter,
    /// Codes delivered to an enterprise on the platform (their sellers are
    /// read once).
    traded: CodeFilter,
}

impl CodeFilter {
    const HASHES: u64 = 7;

    pub(crate) fn with_capacity(codes: usize) -> Self {
        let words = (codes.max(1 << 20) * 10).div_ceil(64);
        CodeFilter {
            bits: (0..words).map(|_| AtomicU64::new(0)).collect(),
            ready: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn positions(&self, key: &str) -> impl Iterator<Item = usize> + '_ {
        use std::hash::{BuildHasher, Hasher};
        let hash = |seed: u64| {
            let mut h = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                .build_hasher();
            h.write_u64(seed);
            h.write(key.as_bytes());
            h.finish()
        };
        let (a, b) = (hash(0x5eed_0001), hash(0x5eed_0002) | 1);
        let m = (self.bits.len() * 64) as u64;
        (0..Self::HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % m) as usize)
    }

    pub(crate) fn insert(&self, key: &str) {
        for p in self.positions(key) {
            self.bits[p / 64].fetch_or(1 << (p % 64), Ordering::Relaxed);
        }
    }

    pub(crate) fn may_contain(&self, key: &str) -> bool {
        self.positions(key)
            .all(|p| self.bits[p / 64].load(Ordering::Relaxed) & (1 << (p % 64)) != 0)
    }

    /// Certainly not in the set (false while the set is still loading).
    fn lacks(&self, key: &str) -> bool {
        self.ready.load(Ordering::Acquire) && !self.may_contain(key)
    }

    /// Fills the filter from the store, a page at a time, then marks it
    /// ready. On a failure it stays not ready: every first scan reads.
    async fn load(&self, store: &dyn Store, set: zhisu_store::CodeSet) {
        let mut after = String::new();
        loop {
            match store.codes_with_state(set, &after, 10_000).await {
                Ok(codes) if codes.is_empty() => break,
                Ok(codes) => {
                    for c in &codes {
                        self.insert(c);
                    }
                    after = codes.last().expect("not empty").clone();
                }
                Err(e) => {
                    tracing::error!(error = %e, ?set, "loading codes failed; every first scan reads the store");
                    return;
                }
            }
        }
        self.ready.store(true, Ordering::Release);
    }
}

enum LogMessage {
    /// A scan and the alerts it raised, stored in one transaction.
    Scan(NewScan, Vec<Alert>),
    Flush(oneshot::Sender<()>),
}

/// The background writer of scans.
pub(crate) struct ScanLog {
    sender: OnceLock<mpsc::Sender<LogMessage>>,
    /// Scans queued since start: each is stored before a clean shutdown ends.
    queued: AtomicU64,
    fold: Arc<Fold>,
}

/// Scans written to the log but not yet folded into their codes' stored
/// summaries. Folding rewrites every B-tree page that holds a folded code,
/// so the longer the scans gather, the more of them each page write
/// carries (under steady traffic most pages are rewritten by every fold).
#[derive(Default)]
struct Fold {
    pending: Mutex<Pending>,
    /// The last scan id written.
    last_id: AtomicU64,
    /// Held for writing while a fold commits and retires its deltas; a
    /// read of a stored summary holds it for reading, so the summary it
    /// reads and the deltas it adds never both hold (or both lack) a scan.
    gate: tokio::sync::RwLock<()>,
}

#[derive(Default)]
struct Pending {
    /// Code → summary of its scans since the fold in progress began.
    open: HashMap<String, ScanSummary>,
    /// The deltas the fold in progress is writing: not yet in the store.
    folding: Option<Arc<HashMap<String, ScanSummary>>>,
}

impl Pending {
    /// What the store does not yet hold of a code's scans.
    fn unstored(&self, code: &str) -> Option<ScanSummary> {
        let folding = self.folding.as_ref().and_then(|f| f.get(code));
        match (folding, self.open.get(code)) {
            (Some(a), Some(b)) => Some(a.then(b)),
            (a, b) => a.or(b).cloned(),
        }
    }
}

impl Fold {
    /// Folds the open deltas into the store (or leaves them open on failure).
    /// Summary reads go on meanwhile: they add the deltas being folded
    /// until the commit, and wait only for the commit itself.
    async fn run<S: ScanStore + ?Sized>(&self, store: &S) -> zhisu_store::StoreResult<()> {
        let folding = {
            let mut pending = self.pending.lock().expect("lock");
            if pending.open.is_empty() {
                return Ok(());
            }
            let folding = Arc::new(std::mem::take(&mut pending.open));
            pending.folding = Some(folding.clone());
            folding
        };
        let upto = self.last_id.load(Ordering::Acquire) as i64;
        let deltas = in_code_order(&folding);
        let started = std::time::Instant::now();
        let result = store.fold_scans(&deltas, upto, &self.gate).await;
        tracing::debug!(
            codes = deltas.len(),
            ms = started.elapsed().as_millis() as u64,
            "folded scan summaries"
        );
        let mut pending = self.pending.lock().expect("lock");
        pending.folding = None;
        match result {
            // The gate is still held: readers see the stored summaries
            // only once the deltas are gone from here.
            Ok(_committed) => Ok(()),
            Err(e) => {
                for (code, delta) in folding.iter() {
                    let merged = match pending.open.remove(code) {
                        Some(later) => delta.then(&later),
                        None => delta.clone(),
                    };
                    pending.open.insert(code.clone(), merged);
                }
                Err(e)
            }
        }
    }

    /// A code's stored summary with what is not yet stored added, and its alerts.
    async fn summary<S: ScanStore + ?Sized>(
        &self,
        store: &S,
        code: &str,
    ) -> zhisu_store::StoreResult<(ScanSummary, Vec<AlertKind>)> {
        let _gate = self.gate.read().await;
        let (stored, alerts) = store.code_state(code).await?;
        let summary = match self.pending.lock().expect("lock").unstored(code) {
            Some(unstored) => stored.then(&unstored),
            None => stored,
        };
        Ok((summary, alerts))
    }
}

/// Summaries to fold, in code order: neighbouring codes share pages.
fn in_code_order(deltas: &HashMap<String, ScanSummary>) -> Vec<(&str, &ScanSummary)> {
    let mut deltas: Vec<_> = deltas.iter().map(|(c, s)| (c.as_str(), s)).collect();
    deltas.sort_unstable_by(|a, b| a.0.cmp(b.0));
    deltas
}

/// Adds scans to the summaries of their codes.
fn summarize(scans: &[NewScan], into: &mut HashMap<String, ScanSummary>) {
    for scan in scans {
        into.entry(scan.code.clone()).or_default().record(
            scan.at.timestamp(),
            || format_time(scan.at),
            scan.place,
        );
    }
}

impl ScanLog {
    pub(crate) fn new() -> Self {
        ScanLog {
            sender: OnceLock::new(),
            queued: AtomicU64::new(0),
            fold: Arc::default(),
        }
    }

    fn sender(&self, store: &Arc<dyn Store>) -> &mpsc::Sender<LogMessage> {
        self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(100_000);
            tokio::spawn(write_scans(store.clone(), self.fold.clone(), rx));
            tx
        })
    }
}

async fn write_scans(store: Arc<dyn Store>, fold: Arc<Fold>, mut rx: mpsc::Receiver<LogMessage>) {
    let mut scans = Vec::with_capacity(LOG_BATCH);
    let mut alerts = Vec::new();
    let mut flushes = Vec::new();
    let mut folded_at = tokio::time::Instant::now();
    loop {
        // Idle: fold what is pending once the interval has passed.
        let first = match tokio::time::timeout(FOLD_EVERY, rx.recv()).await {
            Ok(Some(first)) => Some(first),
            Ok(None) => break,
            Err(_) => None,
        };
        if let Some(first) = first {
            // Group commit: let a busy moment's scans gather into one transaction.
            if matches!(first, LogMessage::Scan(..)) && !rx.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(GATHER_MS)).await;
            }
            let mut next = Some(first);
            while let Some(message) = next {
                match message {
                    LogMessage::Scan(s, raised) => {
                        scans.push(s);
                        alerts.extend(raised);
                    }
                    LogMessage::Flush(done) => flushes.push(done),
                }
                next = if scans.len() < LOG_BATCH {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
        }
        // A failed write is retried with the next batch, never dropped
        // silently: the scans stay queued and the error is logged.
        if !scans.is_empty() {
            match store.record_scans(&scans, &alerts).await {
                Ok(last) => {
                    summarize(&scans, &mut fold.pending.lock().expect("lock").open);
                    fold.last_id.store(last as u64, Ordering::Release);
                    scans.clear();
                    for alert in alerts.drain(..) {
                        tracing::warn!(code = %alert.code, kind = alert.kind.as_str(), "alert raised");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, pending = scans.len(), "writing scans failed");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            }
        }
        let due = folded_at.elapsed() >= FOLD_EVERY
            || fold.pending.lock().expect("lock").open.len() >= FOLD_CODES
            || !flushes.is_empty();
        if due {
            if let Err(e) = fold.run(store.as_ref()).await {
                tracing::error!(error = %e, "folding scan summaries failed; retried at the next fold");
            }
            folded_at = tokio::time::Instant::now();
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
    if let Err(e) = fold.run(store.as_ref()).await {
        tracing::error!(error = %e, "folding scan summaries at shutdown failed; folded at the next start");
    }
}

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
    fn invalid(message: String, uri: &str) -> Self {
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
fn unfiled(code_key: &str) -> String {
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

fn typed<T: serde::de::DeserializeOwned>(r: &StoredRecord) -> ServiceResult<T> {
    serde_json::from_value(r.body.clone())
        .map_err(|e| ServiceError::Internal(format!("stored {:?} {}: {e}", r.kind, r.id)))
}

impl Service {
    /// Every record write the service makes ends here, so the scan path
    /// never answers from a stale record.
    pub(crate) fn records_changed(&self) {
        self.scan_cache.invalidate();
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

    /// Resolves a code (a Digital Link URI of any domain, or a `/c/` link
    /// of the other schemes) to what it is.
    pub(crate) async fn resolve_code(&self, code: &str) -> ServiceResult<Resolved> {
        let base = &self.settings.public_url;
        // A key or an element string is read as the link it stands for.
        let link = match zhisu_codes::code_input::as_link(code, base) {
            Ok(link) => link,
            Err(e) => return Ok(Resolved::invalid(e.to_string(), code.trim())),
        };
        let code: &str = &link;
        let (gtin, serial, lot) = match canonical_item(code, base) {
            Some((gtin, serial)) => (gtin.to_string(), Some(serial.to_string()), None),
            None => match SchemeLink::parse(code) {
                Err(e) => return Ok(Resolved::invalid(e.to_string(), code)),
                Ok(Some(link)) => return self.resolve_scheme_link(link).await,
                Ok(None) => {
                    let options = DlOptions {
                        permit_zero_suppressed_gtin: true,
                        ..Default::default()
                    };
                    let link = match DigitalLink::parse(code, options) {
                        Ok(l) => l,
                        Err(e) => return Ok(Resolved::invalid(e.to_string(), code)),
                    };
                    let find = |wanted: &str| {
                        link.path()
                            .iter()
                            .find(|(ai, _)| ai == wanted)
                            .map(|(_, v)| v.clone())
                    };
                    if let Some(sscc) = find("00") {
                        return self.resolve_package(&sscc).await;
                    }
                    let Some(gtin) = find("01") else {
                        let mut r = Resolved::invalid(String::new(), code);
                        r.verification = Verification::of(
                            VerifyStatus::Unknown,
                            "不是本平台的商品码 (not a product code of this platform)",
                        );
                        return Ok(r);
                    };
                    (gtin, find("21"), find("10"))
                }
            },
        };
        let (key, uri) = match (&serial, &lot) {
            (Some(s), _) => (
                format!("(01){gtin}(21){s}"),
                format!("{base}/01/{gtin}/21/{s}"),
            ),
            (None, Some(l)) => (
                format!("(01){gtin}(10){l}"),
                format!(
                    "{base}/01/{gtin}/10/{}",
                    zhisu_codes::gs1::digital_link::percent_encode(l)
                ),
            ),
            (None, None) => (format!("(01){gtin}"), format!("{base}/01/{gtin}")),
        };
        self.resolve_item(gtin, serial, lot, key, uri).await
    }

    /// A `/c/` link: an Ecode, digital identity or CCC code filed here, with
    /// the same qualifiers as a GTIN.
    async fn resolve_scheme_link(&self, link: SchemeLink) -> ServiceResult<Resolved> {
        let uri = format!("{}{}", self.settings.public_url, link.path());
        let key = link.key();
        let code_key = format!("c/{}", link.code);
        self.resolve_item(code_key, link.serial, link.lot, key, uri)
            .await
    }

    /// The product filed under `code_key` (a GTIN, or `c/{code}`), then the
    /// batch a serial or a lot names, and the batch's state.
    async fn resolve_item(
        &self,
        code_key: String,
        serial: Option<String>,
        lot: Option<String>,
        key: String,
        uri: String,
    ) -> ServiceResult<Resolved> {
        let mut resolved = Resolved {
            verification: Verification::of(VerifyStatus::Unknown, ""),
            key,
            uri,
            product: None,
            batch: None,
            package: None,
            serial: serial.clone(),
        };
        let store = self.store.clone();
        let cache_key = format!("code:{code_key}");
        let wanted = code_key.clone();
        let product = self
            .scan_cache
            .record(RecordKind::Product, cache_key, || async move {
                store.find_by_code_key(RecordKind::Product, &wanted).await
            })
            .await?;
        let Some(product) = product else {
            resolved.verification.message = unfiled(&code_key);
            return Ok(resolved);
        };
        resolved.verification.product_id = Some(product.id);
        resolved.product = Some(product.clone());
        let batch = if let Some(serial) = &serial {
            let Some((batch_id, index)) = self.serials.decode(serial) else {
                resolved.verification.status = VerifyStatus::Suspect;
                resolved.verification.message = crate::suspect::SERIAL_NOT_ISSUED.into();
                return Ok(resolved);
            };
            let batch = self.cached(RecordKind::Batch, batch_id as i64).await?;
            let quantity = batch
                .as_ref()
                .and_then(|b| b.body.get("quantity"))
                .and_then(|q| q.as_u64())
                .unwrap_or(0);
            if batch
                .as_ref()
                .is_none_or(|b| b.parent_id != Some(product.id))
                || index >= quantity
            {
                resolved.verification.status = VerifyStatus::Suspect;
                resolved.verification.message = crate::suspect::SERIAL_NOT_ISSUED.into();
                return Ok(resolved);
            }
            resolved.verification.index = Some(index);
            batch
        } else if let Some(lot) = &lot {
            let store = self.store.clone();
            let unique = format!("{}/{lot}", product.id);
            self.scan_cache
                .record(RecordKind::Batch, format!("lot:{unique}"), || async move {
                    store.find_by_unique_key(RecordKind::Batch, &unique).await
                })
                .await?
        } else {
            resolved.verification.status = VerifyStatus::Genuine;
            resolved.verification.message = "产品已在本平台备案 (the product is filed here)".into();
            return Ok(resolved);
        };
        let Some(batch) = batch else {
            resolved.verification.status = VerifyStatus::Suspect;
            resolved.verification.message = crate::suspect::LOT_NOT_FILED.into();
            return Ok(resolved);
        };
        resolved.verification.batch_id = Some(batch.id);
        let status = batch
            .body
            .get("status")
            .and_then(|s| serde_json::from_value::<BatchStatus>(s.clone()).ok());
        let (status, message) = match status {
            Some(BatchStatus::Active) => (
                VerifyStatus::Genuine,
                "正品：本平台签发的有效追溯码 (genuine: a valid code issued by this platform)",
            ),
            Some(BatchStatus::Frozen) => (
                VerifyStatus::Frozen,
                "此码已被监管部门冻结，暂不可用 (this code is frozen by the regulator)",
            ),
            Some(BatchStatus::Voided) => (
                VerifyStatus::Voided,
                "此码已作废 (this code has been voided)",
            ),
            _ => (
                VerifyStatus::NotActive,
                "批次尚未激活，此码无效 (the batch is not active; this code is not valid)",
            ),
        };
        resolved.verification.status = status;
        resolved.verification.message = message.into();
        resolved.batch = Some(batch);
        Ok(resolved)
    }

    async fn resolve_package(&self, sscc: &str) -> ServiceResult<Resolved> {
        let base = &self.settings.public_url;
        let key = format!("(00){sscc}");
        let store = self.store.clone();
        let unique = key.clone();
        let package = self
            .scan_cache
            .record(RecordKind::Package, format!("key:{key}"), || async move {
                store.find_by_unique_key(RecordKind::Package, &unique).await
            })
            .await?;
        let mut resolved = Resolved {
            verification: Verification::of(
                VerifyStatus::Unknown,
                format!("SSCC {sscc} 未在本平台登记 (SSCC {sscc} is not registered here)"),
            ),
            key,
            uri: format!("{base}/00/{sscc}"),
            product: None,
            batch: None,
            package: None,
            serial: None,
        };
        if let Some(p) = package {
            resolved.verification.status = VerifyStatus::Genuine;
            resolved.verification.message =
                "本平台登记的物流包装 (a transport package registered here)".into();
            resolved.package = Some(p);
        }
        Ok(resolved)
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
            let base = self.public_base(owner, &resolved).await?;
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
                self.scan_log
                    .sender(&self.store)
                    .send(LogMessage::Scan(
                        NewScan {
                            code: resolved.key.clone(),
                            product_id: resolved.product.as_ref().map(|p| p.id),
                            batch_id: resolved.batch.as_ref().map(|b| b.id),
                            at: now,
                            place: ctx.place,
                            client: ctx.client.clone(),
                        },
                        raised,
                    ))
                    .await
                    .map_err(|_| ServiceError::Internal("the scan log has stopped".into()))?;
                self.scan_log.queued.fetch_add(1, Ordering::Relaxed);
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
        let producer = PublicParty::of(&typed::<Enterprise>(&enterprise)?);
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
    async fn sellers_of(&self, key: &str) -> ServiceResult<Arc<Vec<PublicParty>>> {
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
    fn code_filters(&self) -> &CodeFilters {
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

    fn count_scan(
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

    /// Folds the scans a previous server logged but did not fold into
    /// their codes' summaries (it stopped without a clean shutdown). Run
    /// before serving; one server per database.
    pub async fn fold_leftover_scans(&self) -> ServiceResult<u64> {
        let mut folded = 0;
        loop {
            let (scans, last) = self.store.unfolded_scans(10_000).await?;
            let Some(last) = last else {
                return Ok(folded);
            };
            let mut deltas = HashMap::new();
            summarize(&scans, &mut deltas);
            let alone = tokio::sync::RwLock::new(());
            drop(
                self.store
                    .fold_scans(&in_code_order(&deltas), last, &alone)
                    .await?,
            );
            folded += scans.len() as u64;
        }
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

    /// Alerts the principal may see, newest first.
    pub async fn alerts(
        &self,
        by: &zhisu_domain::Principal,
        limit: i64,
    ) -> ServiceResult<Vec<Alert>> {
        Ok(self.store.list_alerts(&by.list_scope(), limit).await?)
    }

    pub fn public_file_allowed(view: &ScanView, sha256: &str) -> bool {
        view.public
            .as_ref()
            .is_some_and(|p| p.files().iter().any(|f| f.sha256 == sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::atomic::AtomicBool;
    use zhisu_domain::auth::ListScope;
    use zhisu_store::{CodeSet, StoreError, StoreResult};

    /// A scan store whose fold statements run until the test lets them
    /// finish; its summaries are a map.
    #[derive(Default)]
    struct SlowFold {
        stored: Mutex<HashMap<String, ScanSummary>>,
        in_statements: tokio::sync::Notify,
        finish: tokio::sync::Notify,
        fail: AtomicBool,
    }

    #[async_trait]
    impl ScanStore for SlowFold {
        async fn fold_scans<'g>(
            &self,
            deltas: &[(&str, &ScanSummary)],
            _upto: i64,
            commit: &'g tokio::sync::RwLock<()>,
        ) -> StoreResult<tokio::sync::RwLockWriteGuard<'g, ()>> {
            self.in_statements.notify_one();
            self.finish.notified().await;
            if self.fail.load(Ordering::SeqCst) {
                return Err(StoreError::Internal("disk full".into()));
            }
            let held = commit.write().await;
            let mut stored = self.stored.lock().unwrap();
            for (code, delta) in deltas {
                let before = stored.remove(*code).unwrap_or_default();
                stored.insert(code.to_string(), before.then(delta));
            }
            Ok(held)
        }
        async fn code_state(&self, code: &str) -> StoreResult<(ScanSummary, Vec<AlertKind>)> {
            let stored = self.stored.lock().unwrap().get(code).cloned();
            Ok((stored.unwrap_or_default(), Vec::new()))
        }
        async fn record_scans(&self, _: &[NewScan], _: &[Alert]) -> StoreResult<i64> {
            unreachable!("folds do not log")
        }
        async fn unfolded_scans(&self, _: i64) -> StoreResult<(Vec<NewScan>, Option<i64>)> {
            unreachable!("folds do not replay")
        }
        async fn count_scans(&self) -> StoreResult<i64> {
            unreachable!("folds do not count")
        }
        async fn codes_with_state(&self, _: CodeSet, _: &str, _: i64) -> StoreResult<Vec<String>> {
            unreachable!("folds do not list codes")
        }
        async fn raise_alert(&self, _: Alert) -> StoreResult<bool> {
            unreachable!("folds raise nothing")
        }
        async fn alerts_for_code(&self, _: &str) -> StoreResult<Vec<Alert>> {
            unreachable!("folds read no alerts")
        }
        async fn list_alerts(&self, _: &ListScope, _: i64) -> StoreResult<Vec<Alert>> {
            unreachable!("folds list no alerts")
        }
    }

    fn scans(count: u64) -> ScanSummary {
        let mut summary = ScanSummary::default();
        for _ in 0..count {
            summary.record(0, || "2026-11-01T00:00:00Z".into(), None);
        }
        summary
    }

    async fn count(fold: &Fold, store: &SlowFold) -> u64 {
        let read = fold.summary(store, "A");
        let (summary, _) = tokio::time::timeout(std::time::Duration::from_secs(2), read)
            .await
            .expect("a summary read does not wait for a fold's statements")
            .unwrap();
        summary.count
    }

    fn scanned_again(fold: &Fold) {
        let mut pending = fold.pending.lock().unwrap();
        let open = pending.open.remove("A").unwrap_or_default();
        pending.open.insert("A".into(), open.then(&scans(1)));
    }

    #[tokio::test]
    async fn summaries_read_during_a_fold_count_each_scan_once() {
        let store = Arc::new(SlowFold::default());
        store.stored.lock().unwrap().insert("A".into(), scans(3));
        let fold = Arc::new(Fold::default());
        fold.pending
            .lock()
            .unwrap()
            .open
            .insert("A".into(), scans(2));
        assert_eq!(count(&fold, &store).await, 5);

        let running = tokio::spawn({
            let (fold, store) = (fold.clone(), store.clone());
            async move { fold.run(store.as_ref()).await }
        });
        store.in_statements.notified().await;
        scanned_again(&fold);
        assert_eq!(
            count(&fold, &store).await,
            6,
            "the deltas being folded count"
        );
        store.finish.notify_one();
        running.await.unwrap().unwrap();
        assert_eq!(store.stored.lock().unwrap()["A"].count, 5);
        assert_eq!(
            count(&fold, &store).await,
            6,
            "stored once, not added again"
        );

        // A failed fold leaves its deltas pending, ahead of later scans.
        store.fail.store(true, Ordering::SeqCst);
        let running = tokio::spawn({
            let (fold, store) = (fold.clone(), store.clone());
            async move { fold.run(store.as_ref()).await }
        });
        store.in_statements.notified().await;
        scanned_again(&fold);
        assert_eq!(count(&fold, &store).await, 7);
        store.finish.notify_one();
        assert!(running.await.unwrap().is_err());
        assert_eq!(store.stored.lock().unwrap()["A"].count, 5);
        {
            let pending = fold.pending.lock().unwrap();
            assert!(pending.folding.is_none());
            assert_eq!(pending.open["A"].count, 2);
        }
        assert_eq!(count(&fold, &store).await, 7);
    }

    #[test]
    fn the_seen_filter_never_forgets_and_rarely_imagines() {
        let filter = CodeFilter::with_capacity(100_000);
        let keys: Vec<String> = (0..100_000)
            .map(|i| format!("(01)06970000000017(21){i:017}"))
            .collect();
        for k in &keys {
            filter.insert(k);
        }
        assert!(
            keys.iter().all(|k| filter.may_contain(k)),
            "no false negatives"
        );
        let false_positives = (0..100_000)
            .filter(|i| filter.may_contain(&format!("(01)06970000000024(21){i:017}")))
            .count();
        assert!(
            false_positives < 2_000,
            "{false_positives} false positives in 100,000"
        );
    }
}
