//! The blob folder: uploaded files stored by their SHA-256 (G8.2; where
//! their bytes are kept: `file_place.rs`), and who
//! may read one (issue 16.8): whoever may read a record that references
//! it, its uploader, the platform's admins; public files go out through
//! the scan page alone. Each upload keeps its own file name.

use std::path::PathBuf;

use zhisu_domain::auth::Tenancy;
use zhisu_domain::blob::{
    clean_file_name, file_name_in, is_sha256_hex, sniff_content_type, ACCEPTED_TYPES,
    MAX_BLOB_BYTES,
};
use zhisu_domain::enterprise::BlobInput;
use zhisu_domain::{BlobRef, Principal};
use zhisu_store::BlobUpload;

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

    /// Where EPCIS capture bodies are spooled while they are checked
    /// (issue 16.9): beside the blobs, on the disk sized for uploads.
    pub(crate) fn spool_dir(&self) -> PathBuf {
        self.root.join(".spool")
    }

    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }
}

impl Service {
    /// Stores an uploaded file after checking its size and real type. The
    /// same content is kept once; each upload is recorded with its own
    /// name and uploader (`by`; None for a registration's licence), and
    /// the reference returned carries this upload's name.
    pub async fn upload_blob(
        &self,
        by: Option<&Principal>,
        name: &str,
        bytes: &[u8],
    ) -> ServiceResult<BlobRef> {
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
        self.keep_file(&sha256, bytes).await?;
        let blob = BlobRef {
            sha256,
            content_type: content_type.to_string(),
            size: bytes.len() as u64,
            name: clean_file_name(name),
        };
        self.store.put_blob(&blob, &uploader(by)).await?;
        Ok(blob)
    }

    /// Reads a stored file for `by`, named as `by` knows it; anyone else
    /// is told it does not exist (issue 16.8).
    pub async fn read_blob(
        &self,
        by: &Principal,
        sha256: &str,
    ) -> ServiceResult<(BlobRef, Vec<u8>)> {
        let not_found = || ServiceError::NotFound("file".into());
        if !is_sha256_hex(sha256) {
            return Err(not_found());
        }
        let name = self
            .file_name_for(by, sha256)
            .await?
            .ok_or_else(not_found)?;
        let (blob, bytes) = self.read_public_blob(sha256).await?;
        Ok((BlobRef { name, ..blob }, bytes))
    }

    /// Reads a stored file with no access check: for files the scan page
    /// makes public, already checked against the code's public view.
    pub async fn read_public_blob(&self, sha256: &str) -> ServiceResult<(BlobRef, Vec<u8>)> {
        if !is_sha256_hex(sha256) {
            return Err(ServiceError::NotFound("file".into()));
        }
        let blob = self
            .store
            .blob(sha256)
            .await?
            .ok_or_else(|| ServiceError::NotFound("file".into()))?;
        let bytes = self
            .file_bytes(sha256)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("reading blob: {sha256} is not kept")))?;
        Ok((blob, bytes))
    }

    /// The name under which `by` may read the file `sha256`, or None when
    /// it may not: its own (or its enterprise's) upload, a record it may
    /// read that references the file, or any file for the platform admin.
    async fn file_name_for(&self, by: &Principal, sha256: &str) -> ServiceResult<Option<String>> {
        let me = uploader(Some(by));
        if let Some(name) = self
            .store
            .upload_name(sha256, &me.uploaded_by, me.enterprise_id)
            .await?
        {
            return Ok(Some(name));
        }
        for reference in self.store.records_with_file(sha256, 200).await? {
            let tenancy = Tenancy {
                enterprise_id: reference.enterprise_id,
                region_code: &reference.region_code,
            };
            if by.can_read(tenancy) {
                let record = self.store.get_record(reference.kind, reference.id).await?;
                let name = record.and_then(|r| file_name_in(&r.body, sha256));
                return Ok(Some(name.unwrap_or_default()));
            }
        }
        if by.is_admin() {
            return Ok(self.store.blob(sha256).await?.map(|b| b.name));
        }
        Ok(None)
    }

    /// The stored files a filing references, as `by` may attach them: a
    /// file it may read (so knowing a hash gives nobody a file; issue
    /// 16.8), or for a registration (`by` None) one uploaded with it. The
    /// name is the one the filing gives, else the one `by` knows.
    pub(crate) async fn resolver<'a>(
        &self,
        by: Option<&Principal>,
        files: impl IntoIterator<Item = &'a BlobInput>,
    ) -> ServiceResult<std::collections::HashMap<String, BlobRef>> {
        let mut found = std::collections::HashMap::new();
        for file in files {
            let sha256 = file.sha256();
            if !is_sha256_hex(sha256) || found.contains_key(sha256) {
                continue;
            }
            let Some(stored) = self.store.blob(sha256).await? else {
                continue;
            };
            let known = match by {
                Some(by) => self.file_name_for(by, sha256).await?,
                None => self.store.upload_name(sha256, ANONYMOUS, None).await?,
            };
            let Some(known) = known else {
                continue;
            };
            let name = match file {
                BlobInput::Ref(r) if !r.name.trim().is_empty() => clean_file_name(&r.name),
                _ => known,
            };
            found.insert(sha256.to_string(), BlobRef { name, ..stored });
        }
        Ok(found)
    }
}

/// Who an upload is recorded as uploaded by.
const ANONYMOUS: &str = "anonymous";

fn uploader(by: Option<&Principal>) -> BlobUpload {
    match by {
        Some(p) => BlobUpload {
            uploaded_by: p.actor.clone(),
            enterprise_id: p
                .role
                .needs_enterprise()
                .then_some(p.enterprise_id)
                .flatten(),
        },
        None => BlobUpload {
            uploaded_by: ANONYMOUS.into(),
            enterprise_id: None,
        },
    }
}
