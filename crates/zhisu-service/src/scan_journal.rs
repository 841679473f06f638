//! The scan journal (issue 16.12): a scan is appended to a file before it
//! is answered, so an answered scan survives `kill -9` although the scan
//! log's writer stores it a few milliseconds later with others.
//!
//! Entries are numbered; the writer stores each batch together with the
//! highest number in it (`scan_journals`, one row per journal), so a start
//! after a crash stores exactly the entries the store lacks. Numbers are
//! given and entries handed to the writer under one lock, so the writer
//! receives them in number order and "every entry up to N is stored" holds.
//! The file is written with one `write` per entry and not synced: a killed
//! process loses nothing the kernel took; a power cut can lose what the
//! store had not yet committed, a few milliseconds (the store's own commit
//! is the durable point). Segments are retired once stored.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use zhisu_store::{Alert, JournalMark, NewScan, ScanStore};

use crate::scan_log::LOG_BATCH;
use crate::{ServiceError, ServiceResult};

/// A segment is sealed past this size and a new one started.
const SEGMENT_BYTES: u64 = 4 << 20;

/// One journal entry's body; the line is `SEQ JSON\n`.
#[derive(Serialize)]
struct EntryRef<'a> {
    scan: &'a NewScan,
    alerts: &'a [Alert],
}

#[derive(Deserialize)]
struct Entry {
    scan: NewScan,
    alerts: Vec<Alert>,
}

pub(crate) struct ScanJournal {
    dir: PathBuf,
    /// This journal's name in `scan_journals`.
    pub(crate) name: String,
    segments: Mutex<Segments>,
    /// Locked while this process uses the folder: two servers appending to
    /// one journal would each replay the other's entries.
    _lock: File,
}

struct Segments {
    file: File,
    bytes: u64,
    next_seq: i64,
    /// Full segments: path and last entry.
    sealed: Vec<(PathBuf, i64)>,
    current: PathBuf,
}

fn segment_path(dir: &Path, first: i64) -> PathBuf {
    dir.join(format!("{first:020}.log"))
}

fn internal(what: &str, dir: &Path, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("scan journal {}: {what}: {e}", dir.display()))
}

impl ScanJournal {
    /// The name of the journal in `dir`, made on its first use: one per
    /// server data folder, and what the scans it logged are marked with.
    pub(crate) fn name_in(dir: &Path) -> ServiceResult<String> {
        std::fs::create_dir_all(dir).map_err(|e| internal("creating", dir, e))?;
        let name_file = dir.join("name");
        match std::fs::read_to_string(&name_file) {
            Ok(name) if !name.trim().is_empty() => Ok(name.trim().to_string()),
            _ => {
                let name = hex::encode(rand::random::<[u8; 8]>());
                std::fs::write(&name_file, &name).map_err(|e| internal("naming", dir, e))?;
                Ok(name)
            }
        }
    }

    /// Opens the journal in `dir` (created if missing), stores what a
    /// previous process appended but did not store, and starts a fresh
    /// segment. Returns the journal and how many scans it stored.
    pub(crate) async fn open<S: ScanStore + ?Sized>(
        dir: &Path,
        store: &S,
    ) -> ServiceResult<(ScanJournal, u64)> {
        std::fs::create_dir_all(dir).map_err(|e| internal("creating", dir, e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .map_err(|e| internal("opening the lock", dir, e))?;
        lock.try_lock().map_err(|_| {
            ServiceError::Conflict(format!(
                "扫码日志 {} 正被另一个进程使用：每台服务器要有自己的数据目录 (the scan journal {} is in use by another process: each server needs its own data folder)",
                dir.display(),
                dir.display()
            ))
        })?;
        let name = ScanJournal::name_in(dir)?;
        let stored = store.journal_mark(&name).await?;
        let mut last = stored;
        let mut replayed = 0;
        let mut segments = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| internal("listing", dir, e))? {
            let path = entry.map_err(|e| internal("listing", dir, e))?.path();
            let first = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".log"))
                .and_then(|n| n.parse::<i64>().ok());
            if let Some(first) = first {
                segments.push((first, path));
            }
        }
        segments.sort();
        let mut batch = Batch::default();
        for (_, path) in &segments {
            let bytes = std::fs::read(path).map_err(|e| internal("reading", dir, e))?;
            let mut lines = bytes.split(|b| *b == b'\n').peekable();
            while let Some(line) = lines.next() {
                if lines.peek().is_none() {
                    // After the last newline: empty, or an entry whose write
                    // never finished, so whose scan was never answered.
                    if !line.is_empty() {
                        tracing::warn!(path = %path.display(), "scan journal ends in a torn entry; skipped");
                    }
                    break;
                }
                let Some((seq, entry)) = parse(line) else {
                    tracing::error!(path = %path.display(), "unreadable scan journal entry skipped");
                    continue;
                };
                if seq <= stored {
                    continue;
                }
                last = last.max(seq);
                batch.push(seq, entry);
                if batch.scans.len() >= LOG_BATCH {
                    replayed += batch.store(store, &name).await?;
                }
            }
        }
        replayed += batch.store(store, &name).await?;
        for (_, path) in &segments {
            std::fs::remove_file(path).map_err(|e| internal("retiring", dir, e))?;
        }
        let next_seq = last + 1;
        let current = segment_path(dir, next_seq);
        let file = open_segment(&current)?;
        Ok((
            ScanJournal {
                dir: dir.to_path_buf(),
                name,
                segments: Mutex::new(Segments {
                    file,
                    bytes: 0,
                    next_seq,
                    sealed: Vec::new(),
                    current,
                }),
                _lock: lock,
            },
            replayed,
        ))
    }

    /// Appends a scan and hands it, numbered, to `then` under the journal's
    /// lock (so entries reach the writer in number order). A failed append
    /// is logged and the scan still goes to the writer: the scan is
    /// answered either way, as it was before the journal.
    pub(crate) fn append(
        &self,
        scan: NewScan,
        alerts: Vec<Alert>,
        then: impl FnOnce(i64, NewScan, Vec<Alert>),
    ) {
        let body = serde_json::to_string(&EntryRef {
            scan: &scan,
            alerts: &alerts,
        })
        .expect("a scan serializes");
        let mut segments = self.segments.lock().expect("lock");
        let seq = segments.next_seq;
        segments.next_seq += 1;
        let line = format!("{seq} {body}\n");
        match segments.file.write_all(line.as_bytes()) {
            Ok(()) => segments.bytes += line.len() as u64,
            Err(e) => {
                tracing::error!(error = %e, dir = %self.dir.display(), "appending to the scan journal failed")
            }
        }
        then(seq, scan, alerts);
        if segments.bytes >= SEGMENT_BYTES {
            let next = segment_path(&self.dir, segments.next_seq);
            match open_segment(&next) {
                Ok(file) => {
                    let sealed = std::mem::replace(&mut segments.current, next);
                    segments.sealed.push((sealed, seq));
                    segments.file = file;
                    segments.bytes = 0;
                }
                Err(e) => tracing::error!(error = %e, "starting a scan journal segment failed"),
            }
        }
    }

    /// Every entry up to `seq` is stored: sealed segments it covers go.
    pub(crate) fn stored(&self, seq: i64) {
        let retired: Vec<PathBuf> = {
            let mut segments = self.segments.lock().expect("lock");
            let (done, kept): (Vec<_>, Vec<_>) = segments
                .sealed
                .drain(..)
                .partition(|(_, last)| *last <= seq);
            segments.sealed = kept;
            done.into_iter().map(|(path, _)| path).collect()
        };
        for path in retired {
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(error = %e, path = %path.display(), "retiring a scan journal segment failed");
            }
        }
    }

    /// The mark a batch whose last entry is `seq` moves the journal to.
    pub(crate) fn mark(&self, seq: i64) -> JournalMark {
        JournalMark {
            journal: self.name.clone(),
            seq,
        }
    }

    /// The segments in use, oldest first.
    #[cfg(test)]
    fn files(&self) -> Vec<PathBuf> {
        let segments = self.segments.lock().expect("lock");
        let mut files: Vec<_> = segments.sealed.iter().map(|(p, _)| p.clone()).collect();
        files.push(segments.current.clone());
        files
    }
}

fn open_segment(path: &Path) -> ServiceResult<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| ServiceError::Internal(format!("scan journal {}: {e}", path.display())))
}

fn parse(line: &[u8]) -> Option<(i64, Entry)> {
    let space = line.iter().position(|b| *b == b' ')?;
    let seq = std::str::from_utf8(&line[..space]).ok()?.parse().ok()?;
    let entry = serde_json::from_slice(&line[space + 1..]).ok()?;
    Some((seq, entry))
}

/// Replayed entries gathered for one transaction.
#[derive(Default)]
struct Batch {
    scans: Vec<NewScan>,
    alerts: Vec<Alert>,
    last: i64,
}

impl Batch {
    fn push(&mut self, seq: i64, entry: Entry) {
        self.scans.push(entry.scan);
        self.alerts.extend(entry.alerts);
        self.last = seq;
    }

    async fn store<S: ScanStore + ?Sized>(&mut self, store: &S, name: &str) -> ServiceResult<u64> {
        if self.scans.is_empty() {
            return Ok(0);
        }
        let mark = JournalMark {
            journal: name.to_string(),
            seq: self.last,
        };
        store
            .record_scans(&self.scans, &self.alerts, Some(&mark))
            .await?;
        let stored = self.scans.len() as u64;
        self.scans.clear();
        self.alerts.clear();
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use zhisu_domain::auth::ListScope;
    use zhisu_domain::scan::{AlertKind, ScanSummary};
    use zhisu_store::{CodeSet, StoreResult};

    /// A scan log in memory: the scans stored and each journal's mark.
    #[derive(Default)]
    struct Logged {
        scans: Mutex<Vec<String>>,
        marks: Mutex<std::collections::HashMap<String, i64>>,
    }

    #[async_trait]
    impl ScanStore for Logged {
        async fn record_scans(
            &self,
            scans: &[NewScan],
            _: &[Alert],
            mark: Option<&JournalMark>,
        ) -> StoreResult<i64> {
            let mut stored = self.scans.lock().unwrap();
            stored.extend(scans.iter().map(|s| s.code.clone()));
            if let Some(mark) = mark {
                self.marks
                    .lock()
                    .unwrap()
                    .insert(mark.journal.clone(), mark.seq);
            }
            Ok(stored.len() as i64)
        }
        async fn journal_mark(&self, journal: &str) -> StoreResult<i64> {
            Ok(self
                .marks
                .lock()
                .unwrap()
                .get(journal)
                .copied()
                .unwrap_or(0))
        }
        async fn scan_journals(&self) -> StoreResult<Vec<String>> {
            Ok(Vec::new())
        }
        async fn fold_scans<'g>(
            &self,
            _: &[(&str, &ScanSummary)],
            _: i64,
            _: Option<&str>,
            _: &'g tokio::sync::RwLock<()>,
        ) -> StoreResult<tokio::sync::RwLockWriteGuard<'g, ()>> {
            unreachable!("the journal folds nothing")
        }
        async fn unfolded_scans(
            &self,
            _: Option<&str>,
            _: i64,
        ) -> StoreResult<(Vec<NewScan>, Option<i64>)> {
            unreachable!("the journal reads no log")
        }
        async fn code_state(&self, _: &str) -> StoreResult<(ScanSummary, Vec<AlertKind>)> {
            unreachable!("the journal reads no summary")
        }
        async fn count_scans(&self) -> StoreResult<i64> {
            unreachable!("the journal counts nothing")
        }
        async fn drop_scan_months_before(&self, _: &str) -> StoreResult<Vec<String>> {
            unreachable!("the journal drops no months")
        }
        async fn codes_with_state(&self, _: CodeSet, _: &str, _: i64) -> StoreResult<Vec<String>> {
            unreachable!("the journal lists no codes")
        }
        async fn raise_alert(&self, _: Alert) -> StoreResult<bool> {
            unreachable!("the journal raises nothing")
        }
        async fn alerts_for_code(&self, _: &str) -> StoreResult<Vec<Alert>> {
            unreachable!("the journal reads no alerts")
        }
        async fn list_alerts(
            &self,
            _: &ListScope,
            _: &zhisu_store::AlertFilter,
            _: i64,
        ) -> StoreResult<Vec<Alert>> {
            unreachable!("the journal lists no alerts")
        }
    }

    fn scan(code: &str) -> NewScan {
        NewScan {
            code: code.into(),
            product_id: Some(1),
            batch_id: None,
            at: chrono::Utc::now(),
            place: None,
            client: "browser".into(),
            region: Some("440305".into()),
        }
    }

    /// Appends scans the writer never stores (the process is then killed).
    fn append(journal: &ScanJournal, codes: impl IntoIterator<Item = String>) -> Vec<i64> {
        let mut seqs = Vec::new();
        for code in codes {
            journal.append(scan(&code), Vec::new(), |seq, _, _| seqs.push(seq));
        }
        seqs
    }

    #[tokio::test]
    async fn a_restart_stores_exactly_what_the_store_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Logged::default();
        let (journal, replayed) = ScanJournal::open(dir.path(), &store).await.unwrap();
        assert_eq!(replayed, 0);
        assert_eq!(
            append(&journal, ["A", "B", "C"].map(String::from)),
            [1, 2, 3]
        );
        // The writer stored A and B (with the mark) before the kill.
        store
            .record_scans(&[scan("A"), scan("B")], &[], Some(&journal.mark(2)))
            .await
            .unwrap();
        assert!(
            matches!(
                ScanJournal::open(dir.path(), &store).await,
                Err(ServiceError::Conflict(_))
            ),
            "a second process may not use the journal"
        );
        drop(journal);
        // A write the kill cut short was never answered: skipped.
        let segment = segment_path(dir.path(), 1);
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(b"4 {\"scan\":{\"code\":\"TORN\"").unwrap();

        let (journal, replayed) = ScanJournal::open(dir.path(), &store).await.unwrap();
        assert_eq!(replayed, 1);
        assert_eq!(*store.scans.lock().unwrap(), ["A", "B", "C"]);
        assert!(!segment.exists(), "replayed segments go");
        assert_eq!(append(&journal, ["D".to_string()]), [4], "numbers go on");
        drop(journal);
        let (_journal, replayed) = ScanJournal::open(dir.path(), &store).await.unwrap();
        assert_eq!(replayed, 1);
        assert_eq!(*store.scans.lock().unwrap(), ["A", "B", "C", "D"]);
    }

    #[tokio::test]
    async fn stored_segments_are_retired() {
        let dir = tempfile::tempdir().unwrap();
        let store = Logged::default();
        let (journal, _) = ScanJournal::open(dir.path(), &store).await.unwrap();
        // Past one segment's size: a second segment starts.
        let seqs = append(
            &journal,
            (0..30_000).map(|n| format!("/01/0697/21/{n:010}")),
        );
        let files = journal.files();
        assert!(files.len() >= 2, "{files:?}");
        assert!(files.iter().all(|f| f.exists()));
        journal.stored(seqs[seqs.len() - 2]);
        assert_eq!(
            journal.files(),
            files[files.len() - 1..],
            "sealed segments go once stored"
        );
        assert!(!files[0].exists());
        assert!(files[files.len() - 1].exists(), "the current one stays");
    }
}
