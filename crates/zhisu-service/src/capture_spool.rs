//! An EPCIS capture's body streamed to a spool file as it arrives (issue
//! 16.9): six 200 MB captures once held 2.7 GB of memory. The body goes
//! to an unnamed file in the blob folder (gone with the last handle, even
//! after a crash), within the deployment's capture budget, and is read
//! back from there a piece at a time: once for its digest and signature,
//! once for its outline, once for its events.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use tokio::io::AsyncWriteExt as _;

use crate::{CaptureRoom, Service, ServiceError, ServiceResult, MAX_CAPTURE_BYTES};

/// A capture's body as it arrives.
pub struct CaptureSpool {
    file: tokio::io::BufWriter<tokio::fs::File>,
    len: u64,
    room: CaptureRoom,
}

/// A capture's whole body, spooled.
#[derive(Debug, Clone)]
pub struct CaptureBody {
    file: Arc<std::fs::File>,
    len: u64,
}

pub(crate) fn too_large() -> ServiceError {
    ServiceError::TooLarge(format!(
        "EPCIS 文档不能超过 {} MiB (documents are at most {} MiB)",
        MAX_CAPTURE_BYTES >> 20,
        MAX_CAPTURE_BYTES >> 20
    ))
}

fn spool_error(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("capture spool: {e}"))
}

impl Service {
    /// Room and a spool file for a capture body of `declared` bytes (its
    /// Content-Length, if it has one). A declared length past the limit
    /// is refused before a byte is read.
    pub async fn spool_capture(&self, declared: Option<u64>) -> ServiceResult<CaptureSpool> {
        if declared.is_some_and(|n| n > MAX_CAPTURE_BYTES as u64) {
            return Err(too_large());
        }
        let room = self.reserve_capture(declared).await?;
        let dir = self.blobs.spool_dir();
        let file = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            tempfile::tempfile_in(&dir)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("capture spool: {e}")))?
        .map_err(spool_error)?;
        Ok(CaptureSpool {
            file: tokio::io::BufWriter::with_capacity(1 << 20, tokio::fs::File::from_std(file)),
            len: 0,
            room,
        })
    }
}

impl CaptureSpool {
    /// Appends the next piece of the body, within the limit and the
    /// budget (busy when others hold the rest of it).
    pub async fn push(&mut self, piece: &[u8]) -> ServiceResult<()> {
        let len = self.len + piece.len() as u64;
        if len > MAX_CAPTURE_BYTES as u64 {
            return Err(too_large());
        }
        self.room.grow_to(len)?;
        self.file.write_all(piece).await.map_err(spool_error)?;
        self.len = len;
        Ok(())
    }

    /// The whole body, and the room it holds until the capture is done.
    pub async fn finish(mut self) -> ServiceResult<(CaptureBody, CaptureRoom)> {
        self.file.flush().await.map_err(spool_error)?;
        let file = self.file.into_inner().into_std().await;
        Ok((
            CaptureBody {
                file: Arc::new(file),
                len: self.len,
            },
            self.room,
        ))
    }
}

impl CaptureBody {
    /// Bytes in the body.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body from its first byte. Readers share the file's position:
    /// one at a time, as a capture reads it.
    pub(crate) fn reader(&self) -> ServiceResult<impl Read + Send + 'static> {
        let mut file = self.file.try_clone().map_err(spool_error)?;
        file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
        Ok(file.take(self.len))
    }
}
