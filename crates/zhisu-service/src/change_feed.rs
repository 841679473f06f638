//! Several servers on one database (issue 20.1): each follows the change
//! feed (PostgreSQL LISTEN on `zhisu_changes`, told by the records' trigger
//! of every record written, by any server, as it commits) and drops what
//! its scan cache holds of each record written, so that a recall opened on
//! one server turns every server's scan pages red within moments. A feed
//! that lost its connection may have missed something: the whole cache
//! goes. SQLite has no feed — one server, which knows its own writes.

use std::time::Duration;

use zhisu_store::Change;

use crate::Service;

/// How long a feed that could not be opened or read waits to try again.
const RETRY: Duration = Duration::from_secs(1);

impl Service {
    /// Applies the change feed to this server's caches for as long as the
    /// server runs; returns at once on an engine without one.
    pub async fn follow_changes(self) {
        loop {
            let mut feed = match self.store.change_feed().await {
                Ok(Some(feed)) => feed,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "the change feed could not be opened");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            // Whatever was written before the feed listened is not known.
            self.scan_cache.invalidate();
            loop {
                match feed.next().await {
                    Ok(Change::Record(kind, id)) => self.scan_cache.changed(kind, id),
                    Ok(Change::All | Change::Lost) => self.scan_cache.invalidate(),
                    Err(e) => {
                        tracing::warn!(error = %e, "the change feed broke");
                        self.scan_cache.invalidate();
                        tokio::time::sleep(RETRY).await;
                        break;
                    }
                }
            }
        }
    }

    /// Tells the other servers that anything may have changed, after a
    /// write no record trigger sees; best effort, as the write stands.
    pub(crate) fn announce_all_changed(&self) {
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.announce_all_changed().await {
                tracing::warn!(error = %e, "other servers were not told of a change");
            }
        });
    }
}
