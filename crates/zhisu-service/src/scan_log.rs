//! The scan log's writer (P6.6): queued scans are written in one
//! transaction (group commit), and folded into their codes' stored
//! summaries every few seconds or thousands of codes. Each scan is in the
//! scan journal (`scan_journal.rs`) before it is queued.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{mpsc, oneshot};
use zhisu_domain::scan::{AlertKind, ScanSummary};
use zhisu_store::{format_time, Alert, NewScan, ScanStore, Store};

use crate::scan_journal::ScanJournal;
use crate::{ServiceError, ServiceResult};

/// How long a busy writer waits for more scans before committing.
pub(crate) const GATHER_MS: u64 = 5;
/// The most scans written in one transaction.
pub(crate) const LOG_BATCH: usize = 4096;
/// Scans are folded into their codes' stored summaries at least this often …
/// (a fold rewrites the pages of the codes it folds; folding every 250 ms
/// or 2,000 codes wrote 2.4× the log bytes per scan and took 1.7× the
/// writer's CPU per scan under the scan benchmark: docs/benchmarks.md)
pub(crate) const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// … or when this many codes have scans pending.
pub(crate) const FOLD_CODES: usize = 50_000;

pub(crate) enum LogMessage {
    /// A scan and the alerts it raised, stored in one transaction, and
    /// its number in the scan journal (None: no journal).
    Scan(NewScan, Vec<Alert>, Option<i64>),
    Flush(oneshot::Sender<()>),
}

/// The background writer of scans.
pub(crate) struct ScanLog {
    pub(crate) sender: OnceLock<mpsc::Sender<LogMessage>>,
    /// Scans queued since start: each is stored before a clean shutdown ends.
    pub(crate) queued: AtomicU64,
    pub(crate) fold: Arc<Fold>,
    /// Set when the server starts (`Service::open_scan_journal`).
    pub(crate) journal: Arc<OnceLock<Arc<ScanJournal>>>,
    /// The cluster lock named for this server's journal, held for as long
    /// as it runs, so no other server folds its scans meanwhile (issue
    /// 20.1; freed with the process's connection).
    pub(crate) journal_lock: std::sync::Mutex<Option<Box<dyn zhisu_store::ClusterLock>>>,
}

/// Scans written to the log but not yet folded into their codes' stored
/// summaries. Folding rewrites every B-tree page that holds a folded code,
/// so the longer the scans gather, the more of them each page write
/// carries (under steady traffic most pages are rewritten by every fold).
#[derive(Default)]
pub(crate) struct Fold {
    pub(crate) pending: Mutex<Pending>,
    /// The last scan id written.
    pub(crate) last_id: AtomicU64,
    /// Held for writing while a fold commits and retires its deltas; a
    /// read of a stored summary holds it for reading, so the summary it
    /// reads and the deltas it adds never both hold (or both lack) a scan.
    pub(crate) gate: tokio::sync::RwLock<()>,
    /// The journal whose scans this server logs, once it is open: a fold
    /// marks that journal's scans folded (issue 20.1).
    pub(crate) journal: OnceLock<String>,
}

#[derive(Default)]
pub(crate) struct Pending {
    /// Code → summary of its scans since the fold in progress began.
    pub(crate) open: HashMap<String, ScanSummary>,
    /// The deltas the fold in progress is writing: not yet in the store.
    pub(crate) folding: Option<Arc<HashMap<String, ScanSummary>>>,
}

impl Pending {
    /// What the store does not yet hold of a code's scans.
    pub(crate) fn unstored(&self, code: &str) -> Option<ScanSummary> {
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
    pub(crate) async fn run<S: ScanStore + ?Sized>(
        &self,
        store: &S,
    ) -> zhisu_store::StoreResult<()> {
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
        let journal = self.journal.get().map(String::as_str);
        let result = store.fold_scans(&deltas, upto, journal, &self.gate).await;
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
    pub(crate) async fn summary<S: ScanStore + ?Sized>(
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
pub(crate) fn in_code_order(deltas: &HashMap<String, ScanSummary>) -> Vec<(&str, &ScanSummary)> {
    let mut deltas: Vec<_> = deltas.iter().map(|(c, s)| (c.as_str(), s)).collect();
    deltas.sort_unstable_by(|a, b| a.0.cmp(b.0));
    deltas
}

/// Adds scans to the summaries of their codes.
pub(crate) fn summarize(scans: &[NewScan], into: &mut HashMap<String, ScanSummary>) {
    for scan in scans {
        let summary = into.entry(scan.code.clone()).or_default();
        summary.record(scan.at.timestamp(), || format_time(scan.at), scan.place);
        summary.count_day(scan.product_id, scan.at.timestamp(), scan.region.as_deref());
    }
}

impl ScanLog {
    pub(crate) fn new() -> Self {
        ScanLog {
            sender: OnceLock::new(),
            queued: AtomicU64::new(0),
            fold: Arc::default(),
            journal: Arc::default(),
            journal_lock: std::sync::Mutex::new(None),
        }
    }

    pub(crate) fn sender(&self, store: &Arc<dyn Store>) -> &mpsc::Sender<LogMessage> {
        self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(100_000);
            tokio::spawn(write_scans(
                store.clone(),
                self.fold.clone(),
                self.journal.clone(),
                rx,
            ));
            tx
        })
    }

    /// Journals a scan and queues it for the writer: once this returns,
    /// the scan survives the process being killed (issue 16.12).
    pub(crate) async fn queue(
        &self,
        store: &Arc<dyn Store>,
        scan: NewScan,
        alerts: Vec<Alert>,
    ) -> ServiceResult<()> {
        let permit = self
            .sender(store)
            .reserve()
            .await
            .map_err(|_| ServiceError::Internal("the scan log has stopped".into()))?;
        match self.journal.get() {
            Some(journal) => journal.append(scan, alerts, |seq, scan, alerts| {
                permit.send(LogMessage::Scan(scan, alerts, Some(seq)))
            }),
            None => permit.send(LogMessage::Scan(scan, alerts, None)),
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

pub(crate) async fn write_scans(
    store: Arc<dyn Store>,
    fold: Arc<Fold>,
    journal: Arc<OnceLock<Arc<ScanJournal>>>,
    mut rx: mpsc::Receiver<LogMessage>,
) {
    let mut scans = Vec::with_capacity(LOG_BATCH);
    let mut alerts = Vec::new();
    // The highest journal entry among `scans`.
    let mut journaled = None;
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
                    LogMessage::Scan(s, raised, seq) => {
                        scans.push(s);
                        alerts.extend(raised);
                        journaled = seq.or(journaled);
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
            let journal = journal.get();
            let mark = journal.zip(journaled).map(|(j, seq)| j.mark(seq));
            match store.record_scans(&scans, &alerts, mark.as_ref()).await {
                Ok(last) => {
                    summarize(&scans, &mut fold.pending.lock().expect("lock").open);
                    fold.last_id.store(last as u64, Ordering::Release);
                    if let Some((journal, seq)) = journal.zip(journaled.take()) {
                        journal.stored(seq);
                    }
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
            _journal: Option<&str>,
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
        async fn record_scans(
            &self,
            _: &[NewScan],
            _: &[Alert],
            _: Option<&zhisu_store::JournalMark>,
        ) -> StoreResult<i64> {
            unreachable!("folds do not log")
        }
        async fn journal_mark(&self, _: &str) -> StoreResult<i64> {
            unreachable!("folds read no journal")
        }
        async fn unfolded_scans(
            &self,
            _: Option<&str>,
            _: i64,
        ) -> StoreResult<(Vec<NewScan>, Option<i64>)> {
            unreachable!("folds do not replay")
        }
        async fn scan_journals(&self) -> StoreResult<Vec<String>> {
            unreachable!("folds do not list journals")
        }
        async fn count_scans(&self) -> StoreResult<i64> {
            unreachable!("folds do not count")
        }
        async fn drop_scan_months_before(&self, _: &str) -> StoreResult<Vec<String>> {
            unreachable!("folds drop no months")
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
        async fn list_alerts(
            &self,
            _: &ListScope,
            _: &zhisu_store::AlertFilter,
            _: i64,
        ) -> StoreResult<Vec<Alert>> {
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
}
