//! What the scan path keeps in memory (P6.6): products, batches, enterprises
//! and packages by ID and code, each code's scan summary, and the open
//! recalls. A record write clears what it may have changed: that record's
//! entries, the views built from it, and every lookup that found nothing
//! of its kind; a write the cache cannot place clears it all.

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

/// The cached lookups, with where each record's entries are, so a write
/// clears exactly those.
#[derive(Default)]
pub(crate) struct Records {
    map: RecordMap,
    /// The keys under which each record is cached.
    keys_of: HashMap<(RecordKind, i64), Vec<String>>,
    /// Keys cached as absent: any write of their kind may fill them.
    absent: Vec<(RecordKind, String)>,
}

impl Records {
    fn clear(&mut self) {
        self.map.clear();
        self.keys_of.clear();
        self.absent.clear();
    }

    fn insert(&mut self, kind: RecordKind, key: String, value: Option<Arc<StoredRecord>>) {
        match &value {
            Some(record) => self
                .keys_of
                .entry((kind, record.id))
                .or_default()
                .push(key.clone()),
            None => self.absent.push((kind, key.clone())),
        }
        self.map.insert((kind, key), value);
    }

    /// Forgets `kind` `id` and every lookup of `kind` that found nothing.
    fn forget(&mut self, kind: RecordKind, id: i64) {
        for key in self.keys_of.remove(&(kind, id)).unwrap_or_default() {
            self.map.remove(&(kind, key));
        }
        let map = &mut self.map;
        self.absent.retain(|(k, key)| {
            let keep = *k != kind;
            if !keep {
                map.remove(&(*k, key.clone()));
            }
            keep
        });
    }
}

/// Products, batches, enterprises and packages by ID and code, as of the
/// last record write.
#[derive(Default)]
pub(crate) struct ScanCache {
    pub(crate) generation: AtomicU64,
    pub(crate) records: RwLock<Records>,
    /// Table 3 views by (producer, product, batch).
    pub(crate) publics: RwLock<HashMap<PublicKey, Arc<PublicBase>>>,
    /// The open recalls, loaded on first use after a write.
    pub(crate) recalls: RwLock<Option<Arc<crate::recalls::RecallIndex>>>,
    /// The regulatory notices of open cases (扫码页监管提示), loaded on
    /// first use after a case changes.
    pub(crate) notices: RwLock<Option<Arc<crate::case_notices::NoticeIndex>>>,
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
    /// What a write of record `kind` `id` may have changed goes; the rest
    /// stays warm (issue 16: scans under writes). Every write moves the
    /// generation on, so nothing read before it is kept after it.
    pub(crate) fn changed(&self, kind: RecordKind, id: i64) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        match kind {
            RecordKind::Enterprise | RecordKind::Product | RecordKind::Batch => {
                self.records.write().expect("cache lock").forget(kind, id);
                self.publics.write().expect("cache lock").retain(
                    |(producer, product, batch), _| match kind {
                        RecordKind::Enterprise => *producer != id,
                        RecordKind::Product => *product != Some(id),
                        _ => *batch != Some(id),
                    },
                );
                if kind == RecordKind::Enterprise {
                    // Sellers are shown by name.
                    self.sellers.write().expect("cache lock").clear();
                }
                if kind == RecordKind::Batch {
                    // A recall by production date covers batches filed later.
                    *self.recalls.write().expect("cache lock") = None;
                }
            }
            RecordKind::Package => {
                self.records.write().expect("cache lock").forget(kind, id);
            }
            // Who holds a code is what the scan page lists as its sellers.
            RecordKind::Flow => self.sellers.write().expect("cache lock").clear(),
            RecordKind::Recall => *self.recalls.write().expect("cache lock") = None,
            // A case's measures decide its codes' scan-page notice.
            RecordKind::Case => *self.notices.write().expect("cache lock") = None,
            // Nothing the scan shows is made of these.
            RecordKind::Feedback | RecordKind::Register | RecordKind::Review => {}
            RecordKind::ChangeRequest => self.invalidate(),
        }
    }

    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.records.write().expect("cache lock").clear();
        self.sellers.write().expect("cache lock").clear();
        self.publics.write().expect("cache lock").clear();
        *self.recalls.write().expect("cache lock") = None;
        *self.notices.write().expect("cache lock") = None;
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

    pub(crate) fn notices(&self) -> Option<Arc<crate::case_notices::NoticeIndex>> {
        self.notices.read().expect("cache lock").clone()
    }

    /// Keeps a notice index read at `generation`, unless a write came since.
    pub(crate) fn set_notices(
        &self,
        generation: u64,
        index: Arc<crate::case_notices::NoticeIndex>,
    ) {
        let mut slot = self.notices.write().expect("cache lock");
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
            .map
            .get(&(kind, key.clone()))
        {
            return Ok(hit.clone());
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let loaded = load().await?.map(Arc::new);
        let mut records = self.records.write().expect("cache lock");
        if self.generation.load(Ordering::SeqCst) == generation {
            if records.map.len() >= RECORD_CAPACITY {
                records.clear();
            }
            records.insert(kind, key, loaded.clone());
        }
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: RecordKind, id: i64) -> StoredRecord {
        StoredRecord {
            id,
            kind,
            version: 1,
            enterprise_id: 1,
            parent_id: None,
            region_code: "440305".into(),
            created_at: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
            leaf_index: 0,
            body: serde_json::json!({}),
        }
    }

    async fn cache(cache: &ScanCache, kind: RecordKind, key: &str, found: Option<i64>) {
        cache
            .record(kind, key.into(), || async move {
                Ok(found.map(|id| record(kind, id)))
            })
            .await
            .unwrap();
    }

    fn cached(cache: &ScanCache, kind: RecordKind, key: &str) -> bool {
        cache
            .records
            .read()
            .unwrap()
            .map
            .contains_key(&(kind, key.to_string()))
    }

    fn base() -> Arc<PublicBase> {
        Arc::new(PublicBase {
            producer: PublicParty {
                name: "粤海电线电缆".into(),
                uscc: String::new(),
                address: String::new(),
                contact_phone: String::new(),
                business_licence: zhisu_domain::public::PublicFile {
                    sha256: String::new(),
                    content_type: String::new(),
                    name: String::new(),
                },
            },
            producer_verified: true,
            product: None,
            reason: None,
        })
    }

    #[tokio::test]
    async fn a_write_clears_what_it_may_have_changed_and_nothing_else() {
        let c = ScanCache::default();
        cache(&c, RecordKind::Product, "id:1", Some(1)).await;
        cache(&c, RecordKind::Product, "gtin:06970000000017", Some(1)).await;
        cache(&c, RecordKind::Product, "id:2", Some(2)).await;
        cache(&c, RecordKind::Product, "gtin:06970000000024", None).await;
        cache(&c, RecordKind::Batch, "id:7", Some(7)).await;
        cache(&c, RecordKind::Enterprise, "id:3", Some(3)).await;
        {
            let mut publics = c.publics.write().unwrap();
            publics.insert((3, Some(1), Some(7)), base());
            publics.insert((3, Some(2), Some(8)), base());
        }
        c.sellers
            .write()
            .unwrap()
            .insert("(01)…".into(), Arc::default());

        // Product 1 amended: its entries, the lookups that found no
        // product, and the views built from it go; product 2 stays warm.
        c.changed(RecordKind::Product, 1);
        assert!(!cached(&c, RecordKind::Product, "id:1"));
        assert!(!cached(&c, RecordKind::Product, "gtin:06970000000017"));
        assert!(!cached(&c, RecordKind::Product, "gtin:06970000000024"));
        assert!(cached(&c, RecordKind::Product, "id:2"));
        assert!(cached(&c, RecordKind::Batch, "id:7"));
        assert!(cached(&c, RecordKind::Enterprise, "id:3"));
        {
            let publics = c.publics.read().unwrap();
            assert!(!publics.contains_key(&(3, Some(1), Some(7))));
            assert!(publics.contains_key(&(3, Some(2), Some(8))));
        }
        assert_eq!(c.sellers.read().unwrap().len(), 1);

        // A sale: sellers go, records stay.
        c.changed(RecordKind::Flow, 99);
        assert!(c.sellers.read().unwrap().is_empty());
        assert!(cached(&c, RecordKind::Product, "id:2"));

        // The producer renamed: every view of its goods goes.
        c.changed(RecordKind::Enterprise, 3);
        assert!(!cached(&c, RecordKind::Enterprise, "id:3"));
        assert!(c.publics.read().unwrap().is_empty());

        // A read begun before a write is not kept after it.
        let generation = c.generation();
        c.changed(RecordKind::Feedback, 5);
        assert_ne!(c.generation(), generation);
    }
}
