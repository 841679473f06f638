//! How many bytes of EPCIS captures may be in flight at once (issue 16.9):
//! six 200 MB captures sent at once once took 2.7 GB of memory. Bodies are
//! now spooled to disk and read a piece at a time (`capture_spool`), so a
//! capture's memory no longer grows with its size; the budget bounds the
//! spool (disk, and the page cache that reads it) and how many large
//! captures are checked at once. A capture reserves room for its body
//! before it is read (by its Content-Length) or as it arrives (chunked),
//! byte for byte. A capture that would pass the deployment's
//! budget waits a moment for others to finish, then is told the platform
//! is busy (503, Retry-After); one larger than the whole budget is too
//! large (413). Small captures, the common case, never wait on large ones
//! for long: the budget is counted in MiB, not in captures.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{Service, ServiceError, ServiceResult};

/// Room a byte of a capture holds while it is checked: its byte in the
/// spool.
const BYTES_HELD_PER_BYTE: u64 = 1;

/// How long a capture waits for room before it is told to come back.
const WAIT_FOR_ROOM: Duration = Duration::from_secs(5);

const MIB: u64 = 1 << 20;

/// The budget, in MiB.
#[derive(Debug)]
pub(crate) struct CaptureBudget {
    permits: Arc<Semaphore>,
    total_mib: u32,
}

impl CaptureBudget {
    pub(crate) fn new(total_mib: u32) -> Self {
        CaptureBudget {
            permits: Arc::new(Semaphore::new(total_mib as usize)),
            total_mib,
        }
    }
}

/// MiB of budget a body of `bytes` holds.
fn units(bytes: u64) -> u32 {
    u32::try_from(
        (bytes.saturating_mul(BYTES_HELD_PER_BYTE))
            .div_ceil(MIB)
            .max(1),
    )
    .unwrap_or(u32::MAX)
}

/// Room held for one capture's body; given back when dropped.
#[derive(Debug)]
pub struct CaptureRoom {
    permits: Arc<Semaphore>,
    held: OwnedSemaphorePermit,
    total_mib: u32,
}

fn too_large(total_mib: u32) -> ServiceError {
    let most = u64::from(total_mib) * MIB / BYTES_HELD_PER_BYTE / MIB;
    ServiceError::TooLarge(format!(
        "本平台同时处理的 EPCIS 文档不能超过 {most} MiB (this deployment checks at most {most} MiB of EPCIS documents at once)"
    ))
}

fn busy() -> ServiceError {
    ServiceError::Busy("capture budget".into())
}

impl CaptureRoom {
    /// Holds room for a body now `bytes` long, taking more at once or
    /// failing: a body that grows while others hold the rest is busy.
    pub fn grow_to(&mut self, bytes: u64) -> ServiceResult<()> {
        let wanted = units(bytes);
        let held = self.held.num_permits() as u32;
        if wanted <= held {
            return Ok(());
        }
        if wanted > self.total_mib {
            return Err(too_large(self.total_mib));
        }
        let more = self
            .permits
            .clone()
            .try_acquire_many_owned(wanted - held)
            .map_err(|_| busy())?;
        self.held.merge(more);
        Ok(())
    }
}

impl Service {
    /// Room for a capture body of `declared` bytes (its Content-Length),
    /// or a first MiB when it is sent in chunks.
    pub async fn reserve_capture(&self, declared: Option<u64>) -> ServiceResult<CaptureRoom> {
        let budget = &self.capture_budget;
        let wanted = units(declared.unwrap_or(0));
        if wanted > budget.total_mib {
            return Err(too_large(budget.total_mib));
        }
        let held = tokio::time::timeout(
            WAIT_FOR_ROOM,
            budget.permits.clone().acquire_many_owned(wanted),
        )
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
        Ok(CaptureRoom {
            permits: budget.permits.clone(),
            held,
            total_mib: budget.total_mib,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_counted_in_mib_of_the_body() {
        assert_eq!(units(0), 1);
        assert_eq!(units(1), 1);
        assert_eq!(units(MIB), 1);
        assert_eq!(units(MIB + 1), 2);
        assert_eq!(units(200 * MIB), 200);
    }

    #[tokio::test]
    async fn a_body_that_outgrows_the_room_left_is_busy() {
        let budget = CaptureBudget::new(10);
        let first = budget.permits.clone().acquire_many_owned(6).await.unwrap();
        let mut room = CaptureRoom {
            permits: budget.permits.clone(),
            held: budget.permits.clone().acquire_many_owned(1).await.unwrap(),
            total_mib: 10,
        };
        room.grow_to(3 * MIB).unwrap(); // 3 MiB of the 4 left
        assert!(matches!(room.grow_to(5 * MIB), Err(ServiceError::Busy(_))));
        assert!(matches!(
            room.grow_to(11 * MIB),
            Err(ServiceError::TooLarge(_))
        ));
        drop(first);
        room.grow_to(5 * MIB).unwrap();
        drop(room);
        assert_eq!(budget.permits.available_permits(), 10, "all given back");
    }
}
