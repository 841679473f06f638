//! Scheduled jobs on several servers of one database (issue 20.1): every
//! server wakes for the nightly sweep and the daily reports and reminders,
//! and the one that takes the job's cluster lock runs it while the others
//! pass. The ledger's checkpoints are signed every few seconds by one
//! server, elected by a lock it holds for as long as it runs; when it
//! stops, another takes the lock and signs. On SQLite, one server, the
//! lock is always free.

use std::future::Future;
use std::time::Duration;

use crate::{Service, ServiceResult};

impl Service {
    /// Runs `job` unless another server of the deployment runs the job
    /// `name` now: Some(its outcome), or None when another had it.
    pub async fn on_one_server<T>(
        &self,
        name: &str,
        job: impl Future<Output = T>,
    ) -> ServiceResult<Option<T>> {
        let Some(held) = self.store.try_cluster_lock(name).await? else {
            tracing::info!(job = name, "another server runs this job now");
            return Ok(None);
        };
        let outcome = job.await;
        held.release().await;
        Ok(Some(outcome))
    }
}

impl Service {
    /// Runs `work` holding the cluster lock `name`, waited for: one at a
    /// time across the deployment's servers; the lock is released after,
    /// whatever `work` answered.
    pub(crate) async fn under_cluster_lock<T>(
        &self,
        name: &str,
        work: impl Future<Output = ServiceResult<T>>,
    ) -> ServiceResult<T> {
        let held = self.store.cluster_lock(name).await?;
        let done = work.await;
        held.release().await;
        done
    }
}

/// The lock the server that signs the ledger's checkpoints holds.
pub const CHECKPOINT_SIGNER: &str = "the ledger's checkpoint signer";

impl Service {
    /// Signs and stores a checkpoint every `every` while this server is
    /// the deployment's signer (issue 20.1: one signer at a time), trying
    /// to become it while another is; for as long as the server runs.
    /// A checkpoint asked for through the API is signed where it is asked.
    pub async fn keep_signing_checkpoints(self, every: Duration) {
        let mut held: Option<Box<dyn zhisu_store::ClusterLock>> = None;
        loop {
            if let Some(lock) = held.as_mut() {
                if !lock.still_held().await {
                    tracing::warn!("the checkpoint signer's lock was lost with its connection");
                    held = None;
                }
            }
            if held.is_none() {
                match self.store.try_cluster_lock(CHECKPOINT_SIGNER).await {
                    Ok(Some(lock)) => {
                        tracing::info!("this server signs the ledger's checkpoints");
                        held = Some(lock);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not ask for the checkpoint signer's lock")
                    }
                }
            }
            if held.is_some() {
                if let Err(e) = self.checkpoint().await {
                    tracing::error!(error = %e, "signing a checkpoint failed");
                }
            }
            tokio::time::sleep(every).await;
        }
    }
}
