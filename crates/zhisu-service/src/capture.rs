//! `POST /epcis/capture` (G7, G9.2, G10.1): a document checked against the
//! EPCIS 2.0 schema and CBV and stored whole or not at all. Its body is
//! read from its spool file a piece at a time (issue 16.9): its integrity,
//! then its outline, then its events, checked on every core while the
//! store writes those already checked.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::Utc;
use serde_json::value::RawValue;
use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_epcis::{Outline, OutlineError};
use zhisu_store::{format_time, CaptureRow, NewEvent, Piece};

use crate::capture_integrity::check_integrity;
use crate::epcis::new_event;
use crate::{CaptureBody, Service, ServiceError, ServiceResult};

/// The largest document accepted by `POST /epcis/capture`.
pub const MAX_CAPTURE_BYTES: usize = 256 * 1024 * 1024;
/// The most events one document may carry.
pub const MAX_CAPTURE_EVENTS: usize = 500_000;

/// Events per piece of work when a document is checked across threads.
const EVENTS_PER_PIECE: usize = 1024;

/// Schema errors (`path: message`) as field errors.
fn schema_errors(errors: Vec<String>) -> ServiceError {
    Invalid(
        errors
            .into_iter()
            .map(|e| {
                let (path, message) = e.split_once(": ").unwrap_or(("/", &e));
                FieldError::new(path, "epcis-schema", message).clause("G10.1")
            })
            .collect(),
    )
    .into()
}

/// Why a capture stopped while its events were checked.
enum Stop {
    Schema(Vec<String>),
    Failed(ServiceError),
}

impl From<Stop> for ServiceError {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Schema(errors) => schema_errors(errors),
            Stop::Failed(e) => e,
        }
    }
}

/// Checks a document's events against the EPCIS schema and CBV and sends
/// them to the store as `Piece`s in document order, then `Piece::End`.
/// This thread reads the events from the body, a piece of 1,024 at a time,
/// and every core checks and hashes pieces as they come, so neither the
/// body nor its events are ever in memory whole; the store writes the
/// pieces already sent meanwhile. After an error nothing more is sent, so
/// no `End` and the store keeps nothing; pieces are still checked until
/// [`zhisu_epcis::MAX_ERRORS`] errors are found, and the answer is the
/// first of them in document order.
fn check_and_send(
    outline: &Outline,
    body: &CaptureBody,
    now: &str,
    out: &tokio::sync::mpsc::Sender<Piece>,
) -> Result<(), Stop> {
    let shared = zhisu_epcis::Shared::of(&outline.skeleton, now);
    let pieces = outline.events.div_ceil(EVENTS_PER_PIECE);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(pieces)
        .max(1);
    let found = AtomicUsize::new(0);
    let store_gone = AtomicBool::new(false);
    let note_errors = |n: usize| found.fetch_add(n, Ordering::Relaxed);
    // Pieces done out of order wait here until those before them are sent.
    let waiting: Mutex<(usize, BTreeMap<usize, Vec<NewEvent>>)> = Mutex::default();
    let send_in_order = |piece: usize, events: Vec<NewEvent>| {
        let mut guard = waiting.lock().unwrap_or_else(|e| e.into_inner());
        let (sent, parked) = &mut *guard;
        parked.insert(piece, events);
        while let Some(events) = parked.remove(sent) {
            if out.blocking_send(Piece::Events(events)).is_err() {
                // The store gave up; its error is the answer.
                store_gone.store(true, Ordering::Relaxed);
                return;
            }
            *sent += 1;
        }
    };
    // At most a piece per worker waits to be taken.
    let (give, take) = std::sync::mpsc::sync_channel::<(usize, Vec<Box<RawValue>>)>(threads);
    let take = Mutex::new(take);
    // Each worker's errors, by the piece they were found in.
    let work = || {
        let mut errors: Vec<(usize, Vec<String>)> = Vec::new();
        loop {
            let next = take.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok((piece, raws)) = next else { break };
            // Once anything is wrong, events are only checked.
            let mut events = Vec::new();
            let mut wrong = Vec::new();
            for (i, raw) in raws.iter().enumerate() {
                match outline.read_event(piece * EVENTS_PER_PIECE + i, raw) {
                    Ok(event) if wrong.is_empty() && found.load(Ordering::Relaxed) == 0 => {
                        events.push(new_event(shared.event(&event), now))
                    }
                    Ok(_) => {}
                    Err(e) => wrong.extend(e),
                }
            }
            if wrong.is_empty() {
                if found.load(Ordering::Relaxed) == 0 {
                    send_in_order(piece, events);
                }
            } else {
                note_errors(wrong.len());
                errors.push((piece, wrong));
            }
        }
        errors
    };
    let (read, mut errors) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        let mut piece = Vec::with_capacity(EVENTS_PER_PIECE);
        let mut number = 0;
        let mut hand_on = |piece: &mut Vec<Box<RawValue>>| {
            let full = std::mem::replace(piece, Vec::with_capacity(EVENTS_PER_PIECE));
            let given = give.send((number, full)).is_ok();
            number += 1;
            given
        };
        let read = body.reader().and_then(|reader| {
            zhisu_epcis::each_event(reader, outline.list_path, |raw| {
                piece.push(raw);
                if piece.len() == EVENTS_PER_PIECE && !hand_on(&mut piece) {
                    return false;
                }
                !store_gone.load(Ordering::Relaxed)
                    && found.load(Ordering::Relaxed) < zhisu_epcis::MAX_ERRORS
            })
            .map_err(|e| ServiceError::Internal(format!("EPCIS capture: {e}")))
        });
        if read.is_ok() && !piece.is_empty() {
            hand_on(&mut piece);
        }
        drop(give);
        let mut errors = Vec::new();
        for worker in workers {
            errors.extend(worker.join().expect("an event worker panicked"));
        }
        (read, errors)
    });
    read.map_err(Stop::Failed)?;
    errors.sort_by_key(|(piece, _)| *piece);
    let mut all: Vec<String> = errors.into_iter().flat_map(|(_, e)| e).collect();
    if !all.is_empty() {
        all.truncate(zhisu_epcis::MAX_ERRORS);
        return Err(Stop::Schema(all));
    }
    if !store_gone.load(Ordering::Relaxed) {
        // Every piece was sent (the store is still there to take the end).
        let _ = out.blocking_send(Piece::End);
    }
    Ok(())
}

/// Reads and checks the document around the events: the errors a capture
/// is refused with before any event is read.
fn checked_outline(body: &CaptureBody) -> ServiceResult<Outline> {
    let outline = zhisu_epcis::outline(body.reader()?).map_err(|e| match e {
        OutlineError::Json(e) => {
            ServiceError::BadRequest(format!("不是合法的 JSON (not JSON): {e}"))
        }
        OutlineError::TwoLists => Invalid(vec![FieldError::new(
            "epcisBody",
            "epcis",
            "事件只能放在一个列表中：eventList 或查询结果 (a document carries its events in one list: eventList, or its query results)",
        )
        .clause("G10.1")])
        .into(),
    })?;
    let doc = &outline.skeleton;
    if doc["type"] != "EPCISDocument" && doc["type"] != "EPCISQueryDocument" {
        return Err(Invalid(vec![FieldError::new(
            "type",
            "epcis",
            "只接收 EPCISDocument 或 EPCISQueryDocument 的结果 (capture takes an EPCISDocument, or the results of an EPCISQueryDocument)",
        )
        .clause("G10.1")])
        .into());
    }
    if outline.events > MAX_CAPTURE_EVENTS {
        return Err(ServiceError::TooLarge(format!(
            "一个文档最多 {MAX_CAPTURE_EVENTS} 个事件 (at most {MAX_CAPTURE_EVENTS} events per document)"
        )));
    }
    outline.check_skeleton().map_err(schema_errors)?;
    // A document without events: "events are required".
    if outline.events == 0 {
        return Err(Invalid(vec![FieldError::required(
            "epcisBody.eventList",
            "事件",
            "G10.1",
        )])
        .into());
    }
    Ok(outline)
}

impl Service {
    /// Captures an EPCIS document: all its events or none.
    pub async fn epcis_capture(
        &self,
        by: &Principal,
        body: &CaptureBody,
        digest: Option<&str>,
        signature: Option<&str>,
    ) -> ServiceResult<CaptureRow> {
        if body.len() > MAX_CAPTURE_BYTES as u64 {
            return Err(crate::capture_spool::too_large());
        }
        let keys = match (signature, by.enterprise_id) {
            (Some(_), Some(id)) => self
                .cached(zhisu_domain::RecordKind::Enterprise, id)
                .await?
                .and_then(|e| {
                    serde_json::from_value::<zhisu_domain::Enterprise>(e.body.clone()).ok()
                })
                .map(|e| e.signing_keys)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        // Reading a large body takes a while: off the async workers.
        let (digest, signature, whole) = (
            digest.map(str::to_string),
            signature.map(str::to_string),
            body.clone(),
        );
        let signed_with = tokio::task::spawn_blocking(move || {
            check_integrity(
                whole.reader()?,
                digest.as_deref(),
                signature.as_deref(),
                &keys,
            )
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("EPCIS capture: {e}")))??;
        let now = format_time(Utc::now());
        let body = body.clone();
        let (out, pieces) = tokio::sync::mpsc::channel(4);
        let capture_id = crate::random_token(12);
        // Reading, checking and hashing events is CPU work: off the async
        // workers, on every core, while the store writes what is checked.
        let check = tokio::task::spawn_blocking(move || -> ServiceResult<()> {
            let outline = checked_outline(&body)?;
            Ok(check_and_send(&outline, &body, &now, &out)?)
        });
        let stored = self.store.capture_events(
            &capture_id,
            &by.actor,
            by.enterprise_id,
            signed_with.as_deref(),
            pieces,
        );
        let (stored, checked) = tokio::join!(stored, check);
        checked.map_err(|e| ServiceError::Internal(format!("EPCIS capture: {e}")))??;
        let row = stored?.ok_or_else(|| {
            ServiceError::Internal("EPCIS capture: the events stopped before their end".into())
        })?;
        self.wake_deliverer();
        Ok(row)
    }
}
