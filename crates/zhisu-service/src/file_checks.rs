//! The files records reference, looked at where they are stored (V4
//! completeness, rule ZV-C-005): each still there and still hashing to the
//! SHA-256 it is stored and named by.
//!
//! A full sweep looks at the files due a look (never looked at, last looked
//! at `ZV-C-005.days` days ago or more, or faulty then) while it reads the
//! records. A file whose size and modification time are those of its last
//! sound look is taken as sound without reading it again (the nightly sweep
//! would otherwise read every PDF of the province); any other is read and
//! hashed. Files kept in the database (issue 20.2) are compared by size and
//! the mark of the transaction that last wrote their row. What the looks saw is kept (`file_checks`), and every sweep
//! hands the faulty files to the rules, which name the records.

use std::time::UNIX_EPOCH;

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use zhisu_domain::blob::is_sha256_hex;
use zhisu_domain::verification::{self, FileFault};
use zhisu_store::{format_time, FileState};

use crate::{sha256_hex, BlobDir, Service, ServiceError, ServiceResult};

/// Files per page of a look.
const PAGE: i64 = 1_000;

/// What one full sweep's look at the files did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilesLookedAt {
    /// Files due a look.
    pub due: u64,
    /// Of those, read and hashed (the rest were unchanged since a sound look).
    pub hashed: u64,
    /// Of those, missing or altered now.
    pub faulty: u64,
}

/// A file's size and modification time (nanoseconds since 1970), if it is there.
fn stat(blobs: &BlobDir, sha256: &str) -> Option<(i64, String)> {
    let meta = std::fs::metadata(blobs.path(sha256)).ok()?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(String::new(), |d| d.as_nanos().to_string());
    Some((meta.len() as i64, modified))
}

/// Whether a file that is there (`seen`: its size and change mark) is as
/// it was at its last look, and that look found it sound: then it is
/// sound without reading it again.
fn as_at_a_sound_look(last: &FileState, (size, mark): &(i64, String)) -> bool {
    last.fault.is_none() && last.size == Some(*size) && last.modified.as_deref() == Some(mark)
}

/// What a look at one file finds: `seen` is its size and change mark if
/// it is there; `read` its bytes, asked for only when it is not as at a
/// sound look (None: gone meanwhile).
fn judge(
    last: &FileState,
    seen: &Option<(i64, String)>,
    tally: &mut FilesLookedAt,
    read: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<FileFault> {
    match seen {
        None => Some(FileFault::Missing),
        Some(seen) if as_at_a_sound_look(last, seen) => None,
        Some(_) => {
            tally.hashed += 1;
            match read() {
                Some(bytes) if sha256_hex(&bytes) == last.sha256 => None,
                Some(_) => Some(FileFault::Altered),
                None => Some(FileFault::Missing),
            }
        }
    }
}

/// What a look saw, to keep.
fn seen_now(
    last: FileState,
    seen: Option<(i64, String)>,
    fault: Option<FileFault>,
    now: &str,
    tally: &mut FilesLookedAt,
) -> FileState {
    tally.faulty += u64::from(fault.is_some());
    let (size, modified) = seen.unzip();
    FileState {
        sha256: last.sha256,
        size,
        modified,
        fault: fault.map(|f| f.as_str().to_string()),
        checked_at: Some(now.to_string()),
    }
}

/// Looks at one file in the folder: what is there now, against its last look.
fn look_at(blobs: &BlobDir, last: FileState, now: &str, tally: &mut FilesLookedAt) -> FileState {
    tally.due += 1;
    let seen = is_sha256_hex(&last.sha256)
        .then(|| stat(blobs, &last.sha256))
        .flatten();
    let fault = judge(&last, &seen, tally, || {
        std::fs::read(blobs.path(&last.sha256)).ok()
    });
    seen_now(last, seen, fault, now, tally)
}

impl Service {
    /// Looks at every referenced file due a look and keeps what it saw.
    /// Nothing when the deployment turned ZV-C-005 off.
    pub(crate) async fn look_at_files(&self) -> ServiceResult<FilesLookedAt> {
        let mut tally = FilesLookedAt::default();
        if self
            .settings
            .verification_off
            .iter()
            .any(|r| r == "ZV-C-005")
        {
            return Ok(tally);
        }
        let days =
            verification::threshold(&self.settings.verification_thresholds, "ZV-C-005", "days")
                .max(0.0) as i64;
        // Due: last looked at before the start of the day `days - 1` days
        // ago (Asia/Shanghai), or before this sweep began; 0 days: before
        // this sweep began, so every file.
        let started = format_time(Utc::now());
        let since = if days == 0 {
            started.clone()
        } else {
            let day = crate::today_in_shanghai() - Duration::days(days - 1);
            let shanghai = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
            let start = shanghai
                .from_local_datetime(&day.and_time(NaiveTime::MIN))
                .single()
                .expect("UTC+8 has no gaps");
            format_time(start.with_timezone(&Utc)).min(started.clone())
        };
        loop {
            let page = self.store.files_due(&since, &started, PAGE).await?;
            if page.is_empty() {
                return Ok(tally);
            }
            // Never before the sweep began (a clock set back would keep the
            // files due, and this loop going).
            let now = format_time(Utc::now()).max(started.clone());
            let (looked, page_tally) = if self.files_in_database {
                self.look_in_database(page, &now).await?
            } else {
                let blobs = self.blobs.clone();
                tokio::task::spawn_blocking(move || {
                    let mut tally = FilesLookedAt::default();
                    let looked: Vec<FileState> = page
                        .into_iter()
                        .map(|f| look_at(&blobs, f, &now, &mut tally))
                        .collect();
                    (looked, tally)
                })
                .await
                .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?
            };
            self.store.keep_file_checks(&looked).await?;
            tally.due += page_tally.due;
            tally.hashed += page_tally.hashed;
            tally.faulty += page_tally.faulty;
        }
    }

    /// Looks at a page of files kept in the database: each one's size and
    /// the mark of the transaction that last wrote it against its last
    /// look, read and hashed only when not as at a sound look.
    async fn look_in_database(
        &self,
        page: Vec<FileState>,
        now: &str,
    ) -> ServiceResult<(Vec<FileState>, FilesLookedAt)> {
        let mut tally = FilesLookedAt::default();
        let mut looked = Vec::with_capacity(page.len());
        for last in page {
            tally.due += 1;
            let seen = match is_sha256_hex(&last.sha256) {
                true => self.store.file_stat(&last.sha256).await?,
                false => None,
            };
            let bytes = match &seen {
                Some(s) if !as_at_a_sound_look(&last, s) => {
                    self.store.file_bytes(&last.sha256).await?
                }
                _ => None,
            };
            let fault = judge(&last, &seen, &mut tally, || bytes);
            looked.push(seen_now(last, seen, fault, now, &mut tally));
        }
        Ok((looked, tally))
    }

    /// The files faulty at their last look, for the rules.
    pub(crate) async fn file_faults(
        &self,
    ) -> ServiceResult<std::collections::HashMap<String, FileFault>> {
        Ok(self
            .store
            .file_faults()
            .await?
            .into_iter()
            .filter_map(|(sha, fault)| Some((sha, FileFault::parse(&fault)?)))
            .collect())
    }
}
