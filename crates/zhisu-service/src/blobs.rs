//! The blob folder: uploaded files stored by their SHA-256 (G8.2).

use std::path::PathBuf;

use zhisu_domain::blob::{is_sha256_hex, sniff_content_type, ACCEPTED_TYPES, MAX_BLOB_BYTES};
use zhisu_domain::BlobRef;

use crate::{sha256_hex, Service, ServiceError, ServiceResult};

/// A folder of content-addressed files: `ab/abcdef…`.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
}

impl BlobDir {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(BlobDir { root })
    }

    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }
}

impl Service {
    /// Stores an uploaded file after checking its size and real type.
    /// Storing the same content twice is a no-op that returns the same reference.
    pub async fn upload_blob(&self, name: &str, bytes: &[u8]) -> ServiceResult<BlobRef> {
        if bytes.is_empty() {
            return Err(ServiceError::BadRequest(
                "文件为空 (the file is empty)".into(),
            ));
        }
        if bytes.len() > MAX_BLOB_BYTES {
            return Err(ServiceError::TooLarge(format!(
                "文件大小 {} 字节超过上限 {} 字节 (the file has {} bytes; at most {} are accepted)",
                bytes.len(),
                MAX_BLOB_BYTES,
                bytes.len(),
                MAX_BLOB_BYTES
            )));
        }
        let content_type = sniff_content_type(bytes).ok_or_else(|| {
            ServiceError::UnsupportedType(format!(
                "只接受 PDF 或图片文件 (only {} are accepted)",
                ACCEPTED_TYPES.join(", ")
            ))
        })?;
        let sha256 = sha256_hex(bytes);
        let path = self.blobs.path(&sha256);
        if !path.exists() {
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
            .map_err(|e| ServiceError::Internal(format!("writing blob: {e}")))?;
        }
        let name: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        let blob = BlobRef {
            sha256,
            content_type: content_type.to_string(),
            size: bytes.len() as u64,
            name,
        };
        self.store.put_blob(&blob).await?;
        Ok(self.store.blob(&blob.sha256).await?.unwrap_or(blob))
    }

    /// Reads a stored file. Only signed-in principals may; the address is
    /// a 256-bit hash found only in records the caller could read.
    pub async fn read_blob(&self, sha256: &str) -> ServiceResult<(BlobRef, Vec<u8>)> {
        if !is_sha256_hex(sha256) {
            return Err(ServiceError::NotFound("file".into()));
        }
        let blob = self
            .store
            .blob(sha256)
            .await?
            .ok_or_else(|| ServiceError::NotFound("file".into()))?;
        let bytes = tokio::fs::read(self.blobs.path(sha256))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading blob: {e}")))?;
        Ok((blob, bytes))
    }

    pub(crate) async fn blob_lookup(
        &self,
        shas: &[&str],
    ) -> ServiceResult<std::collections::HashMap<String, BlobRef>> {
        let mut found = std::collections::HashMap::new();
        for sha in shas {
            if is_sha256_hex(sha) {
                if let Some(b) = self.store.blob(sha).await? {
                    found.insert(sha.to_string(), b);
                }
            }
        }
        Ok(found)
    }
}
