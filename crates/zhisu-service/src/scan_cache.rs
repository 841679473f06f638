//! What the scan path keeps in memory (P6.6): products, batches, enterprises
//! and packages by ID and code as of the last record write, each code's
//! scan summary, and the open recalls; every record write clears it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use zhisu_domain::public::{PublicParty, PublicProduct};
use zhisu_domain::scan::{AlertKind, ScanSummary};
use zhisu_domain::RecordKind;
use zhisu_store::StoredRecord;

use crate::code_filter::CodeFilters;
use crate::ServiceResult;

/// Codes whose scan summary is kept in memory before the map starts over.
pub(crate) const SUMMARY_CAPACITY: usize = 200_000;
/// Records kept in memory before the map starts over.
pub(crate) const RECORD_CAPACITY: usize = 50_000;

/// (producer, product, batch)
pub(crate) type PublicKey = (i64, Option<i64>, Option<i64>);

/// A cached lookup: found or known to be absent.
pub(crate) type RecordMap = HashMap<(RecordKind, String), Option<Arc<StoredRecord>>>;

/// Products, batches, enterprises and packages by ID and code, as of the
/// last record write.
#[derive(Default)]
pub(crate) struct ScanCache {
    pub(crate) generation: AtomicU64,
    pub(crate) records: RwLock<RecordMap>,
    /// Table 3 views by (producer, product, batch).
    pub(crate) publics: RwLock<HashMap<PublicKey, Arc<PublicBase>>>,
    /// The open recalls, loaded on first use after a write.
    pub(crate) recalls: RwLock<Option<Arc<crate::recalls::RecallIndex>>>,
    /// The sellers a code reached, by code key.
    pub(crate) sellers: RwLock<HashMap<String, Arc<Vec<PublicParty>>>>,
    pub(crate) codes: Mutex<HashMap<String, CodeState>>,
    /// Loaded once, in the background, at the first scan.
    pub(crate) filters: OnceLock<Arc<CodeFilters>>,
    /// Made-up serials scanned per product (issue 15.6).
    pub(crate) guesses: Mutex<zhisu_domain::guessing::Guesses>,
}

/// What every code of one batch shows alike.
pub(crate) struct PublicBase {
    pub(crate) producer: PublicParty,
    /// Whether a regulator has checked who the producer is (issue 16.11).
    pub(crate) producer_verified: bool,
    pub(crate) product: Option<PublicProduct>,
    /// A freeze's or void's reason.
    pub(crate) reason: Option<String>,
}

/// A scanned code's summary and its alerts, kept in memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeState {
    pub(crate) summary: ScanSummary,
    pub(crate) alerts: Vec<AlertKind>,
}

impl ScanCache {
    pub(crate) fn invalidate(&self) {
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
    pub(crate) async fn record<F, Fut>(
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
