//! Where uploaded files' bytes are kept (G8.2, issue 20.2): in the data
//! folder's blob folder by default (SQLite: one server), or in the
//! database, where every server of a PostgreSQL deployment reads them —
//! content-addressed by SHA-256 either way, so a file uploaded twice, even
//! through two servers at once, is kept once. Uploads, reads, the ledger's
//! re-hash of every file and the sweep's look at referenced files all go
//! through here.

use crate::{Service, ServiceError, ServiceResult};

impl Service {
    /// Keeps uploaded files' bytes in the database rather than the folder
    /// (every server of a deployment on one PostgreSQL database).
    pub fn with_files_in_database(mut self) -> Self {
        self.files_in_database = true;
        self
    }

    /// Whether files are kept in the database.
    pub fn files_in_database(&self) -> bool {
        self.files_in_database
    }

    /// Keeps a checked upload's bytes under their SHA-256, once.
    pub(crate) async fn keep_file(&self, sha256: &str, bytes: &[u8]) -> ServiceResult<()> {
        if self.files_in_database {
            return Ok(self.store.put_file_bytes(sha256, bytes).await?);
        }
        let path = self.blobs.path(sha256);
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().expect("blob path has a parent").to_path_buf();
        let data = bytes.to_vec();
        let tmp = dir.join(format!(".{}.tmp", crate::random_token(8)));
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&tmp, &data)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Internal(format!("writing blob: {e}")))
    }

    /// A kept file's bytes; None when they are not there (deleted from
    /// the folder, say, which the ledger's check and the sweep report).
    pub(crate) async fn file_bytes(&self, sha256: &str) -> ServiceResult<Option<Vec<u8>>> {
        if self.files_in_database {
            return Ok(self.store.file_bytes(sha256).await?);
        }
        match tokio::fs::read(self.blobs.path(sha256)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ServiceError::Internal(format!("reading blob: {e}"))),
        }
    }

    /// On a deployment that keeps files in the database: the files its
    /// folder holds that the database does not (kept there before it did,
    /// or by a server of an older version), copied in; how many. Run at
    /// start; a file already in the database is left as it is.
    pub async fn files_into_database(&self) -> ServiceResult<u64> {
        if !self.files_in_database {
            return Ok(0);
        }
        let mut copied = 0;
        let mut after = String::new();
        loop {
            let page = self.store.blob_hashes(&after, 1000).await?;
            let Some(last) = page.last().cloned() else {
                return Ok(copied);
            };
            for sha in page {
                let path = self.blobs.path(&sha);
                if !path.exists() || self.store.file_stat(&sha).await?.is_some() {
                    continue;
                }
                let bytes = tokio::fs::read(&path)
                    .await
                    .map_err(|e| ServiceError::Internal(format!("reading blob: {e}")))?;
                // Only what still hashes to its name: an altered file stays
                // in the folder for the ledger's check to name.
                if crate::sha256_hex(&bytes) == sha {
                    self.store.put_file_bytes(&sha, &bytes).await?;
                    copied += 1;
                }
            }
            after = last;
        }
    }
}
