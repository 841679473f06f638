//! Where a push stands (issue 19.4, resumable): a small JSON file kept
//! beside the cron job, written after each chunk the platform has filed
//! (by a rename, so an interruption leaves the old or the new file, never
//! half of one), removed when the push is done. A push started again with
//! the same source, query, kind and platform reads it and goes on after
//! the last chunk filed; a chunk sent but not seen filed is followed up
//! by its job rather than sent again (sending it again would be harmless,
//! imports being idempotent by content, only slower).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A chunk sent whose job was not yet seen finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InFlight {
    pub job: i64,
    /// The number of the chunk's first row in the query's rows (1-based).
    pub first_row: u64,
    /// How many of the query's rows the chunk holds.
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushState {
    /// What the push is: SHA-256 of its source (without a password),
    /// query, kind, enterprise and platform.
    pub fingerprint: String,
    /// The source, its password hidden, for the operator's eyes.
    pub source: String,
    pub kind: String,
    pub to: String,
    /// How many of the query's rows the platform has filed or answered.
    pub rows_done: u64,
    pub in_flight: Option<InFlight>,
    /// RFC 3339, when this was written.
    pub updated_at: String,
}

/// The fingerprint of a push.
pub fn fingerprint(
    source: &str,
    query: &str,
    kind: &str,
    enterprise: Option<i64>,
    to: &str,
) -> String {
    let mut hash = Sha256::new();
    for part in [
        source,
        query.trim(),
        kind,
        &enterprise.map(|e| e.to_string()).unwrap_or_default(),
        to.trim_end_matches('/'),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// The default state file of a push: in the working folder, named by its
/// fingerprint.
pub fn default_path(fingerprint: &str) -> PathBuf {
    PathBuf::from(format!("zhisu-push-{}.json", &fingerprint[..16]))
}

/// The state kept at `path` for this push, if any. A file of another
/// push (the same `--state` given to two pushes) or one that does not
/// read is refused rather than overwritten: it is someone's progress.
pub fn load(path: &Path, fingerprint: &str) -> anyhow::Result<Option<PushState>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("{}: {e}", path.display()),
    };
    let state: PushState = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "进度文件 {} 无法读取：请检查或删除它 (the state file does not read: check or remove it): {e}",
            path.display()
        )
    })?;
    if state.fingerprint != fingerprint {
        anyhow::bail!(
            "进度文件 {} 属于另一次推送（{} → {}）：请用另一个 --state (the state file belongs to another push: use another --state)",
            path.display(),
            state.source,
            state.to
        );
    }
    Ok(Some(state))
}

/// Writes `state` to `path` whole (a temporary file renamed over it).
pub fn save(path: &Path, state: &PushState) -> anyhow::Result<()> {
    let mut state = state.clone();
    state.updated_at = chrono::Utc::now().to_rfc3339();
    let text = serde_json::to_string_pretty(&state)?;
    let temporary = path.with_extension("json.partial");
    std::fs::write(&temporary, text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(())
}

/// Removes the state of a finished push.
pub fn clear(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::anyhow!("{}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_of_another_push_is_refused_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let one = fingerprint("sqlite:a.db", "select 1", "batches", None, "http://p");
        let other = fingerprint("sqlite:a.db", "select 2", "batches", None, "http://p");
        assert_ne!(one, other);
        assert!(load(&path, &one).unwrap().is_none());
        let state = PushState {
            fingerprint: one.clone(),
            source: "sqlite:a.db".into(),
            kind: "batches".into(),
            to: "http://p".into(),
            rows_done: 2000,
            in_flight: Some(InFlight {
                job: 7,
                first_row: 2001,
                rows: 1000,
            }),
            updated_at: String::new(),
        };
        save(&path, &state).unwrap();
        let back = load(&path, &one).unwrap().unwrap();
        assert_eq!(back.rows_done, 2000);
        assert_eq!(back.in_flight.unwrap().job, 7);
        let refused = load(&path, &other).unwrap_err().to_string();
        assert!(refused.contains("另一次推送"), "{refused}");
        std::fs::write(&path, "{half").unwrap();
        assert!(load(&path, &one).is_err());
        clear(&path).unwrap();
        clear(&path).unwrap();
        assert!(!path.exists());
    }
}
