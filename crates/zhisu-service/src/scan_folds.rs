//! Scans logged but not folded into their codes' counts when a server
//! stopped (issue 16.12), with several servers on one database (issue
//! 20.1). Each scan names the journal — the server's data folder — that
//! logged it, and each journal keeps how far its scans are folded; a
//! running server holds a cluster lock named for its journal. So a server
//! folds its own leftovers at start, and the leftovers of a server that
//! stopped (its lock free) are folded by one other, under that lock,
//! while the running servers' unfolded scans, still in their memory, are
//! nobody else's: each scan is counted once.

use std::collections::HashMap;
use std::time::Duration;

use crate::scan_log::{in_code_order, summarize};
use crate::{Service, ServiceResult};

/// How often a server looks for stopped servers' leftovers.
const TAKE_OVER_EVERY: Duration = Duration::from_secs(60);

/// The lock a server holds for its journal while it runs.
pub(crate) fn journal_lock(journal: &str) -> String {
    format!("scan journal {journal}")
}

/// The lock of the scans logged before scans named their journal.
const BEFORE_JOURNALS: &str = "scans logged before journals";

/// How long a starting server waits for its journal's lock: another
/// server may be folding its leftovers just then.
const JOURNAL_LOCK_WAIT: Duration = Duration::from_secs(30);

impl Service {
    /// This server's journal lock, waited for a while: held past that, it
    /// is another running server's, which has a copy of this data folder.
    pub(crate) async fn take_journal_lock(
        &self,
        journal: &str,
    ) -> ServiceResult<Box<dyn zhisu_store::ClusterLock>> {
        let started = std::time::Instant::now();
        loop {
            if let Some(held) = self.store.try_cluster_lock(&journal_lock(journal)).await? {
                return Ok(held);
            }
            if started.elapsed() > JOURNAL_LOCK_WAIT {
                return Err(crate::ServiceError::Conflict(format!(
                    "扫码日志 {journal} 正被另一台运行中的服务器使用：每台服务器要有自己的数据目录，不要在服务器之间复制 scan-journal 文件夹 (the scan journal {journal} is in use by another running server: each server needs a data folder of its own; do not copy scan-journal/ between servers)"
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Folds what stopped servers left unfolded — this one's own last run
    /// first — into the codes' counts; how many scans. Run before serving.
    pub async fn fold_leftover_scans(&self) -> ServiceResult<u64> {
        let mut folded = 0;
        if let Some(own) = self.scan_log.fold.journal.get() {
            // Held since the journal opened.
            folded += self.fold_journal(Some(own)).await?;
        }
        folded += self.fold_stopped_servers().await?;
        Ok(folded)
    }

    /// Folds the leftovers of every other journal whose server is not
    /// running (its lock free), and of the scans logged before journals.
    pub async fn fold_stopped_servers(&self) -> ServiceResult<u64> {
        let own = self.scan_log.fold.journal.get();
        let mut folded = 0;
        let mut locks: Vec<(String, Option<String>)> = vec![(BEFORE_JOURNALS.to_string(), None)];
        for journal in self.store.scan_journals().await? {
            if Some(&journal) != own {
                locks.push((journal_lock(&journal), Some(journal)));
            }
        }
        for (lock, journal) in locks {
            let Some(held) = self.store.try_cluster_lock(&lock).await? else {
                continue; // its server runs, or another folds it now
            };
            let done = self.fold_journal(journal.as_deref()).await;
            held.release().await;
            folded += done?;
        }
        Ok(folded)
    }

    /// Folds one journal's unfolded scans (None: those of no journal).
    async fn fold_journal(&self, journal: Option<&str>) -> ServiceResult<u64> {
        let mut folded = 0;
        loop {
            let (scans, last) = self.store.unfolded_scans(journal, 10_000).await?;
            let Some(last) = last else {
                return Ok(folded);
            };
            let mut deltas = HashMap::new();
            summarize(&scans, &mut deltas);
            let alone = tokio::sync::RwLock::new(());
            drop(
                self.store
                    .fold_scans(&in_code_order(&deltas), last, journal, &alone)
                    .await?,
            );
            folded += scans.len() as u64;
        }
    }

    /// Takes over stopped servers' leftovers every minute, for as long as
    /// this server runs.
    pub async fn keep_folding_stopped_servers(self) {
        loop {
            tokio::time::sleep(TAKE_OVER_EVERY).await;
            match self.fold_stopped_servers().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(scans = n, "folded scans a stopped server left"),
                Err(e) => tracing::warn!(error = %e, "folding stopped servers' scans failed"),
            }
        }
    }
}
