//! Scheduled jobs on several servers of one database (issue 20.1): every
//! server wakes for the nightly sweep and the daily reports and reminders,
//! and the one that takes the job's cluster lock runs it while the others
//! pass. On SQLite, one server, the lock is always free.

use std::future::Future;

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
