//! What a verification sweep reads (V5-auto, issue 17.2): stored bodies
//! parsed into the records the rules judge, a snapshot.
//!
//! A full sweep of SQLite reads its pages in place ([`in_place`]): each
//! core takes the next page, parses every body where SQLite holds it and
//! keeps the page's records by kind, so no body is copied and no record is
//! moved more than once into the snapshot (a record moved through a page
//! of every kind's largest size, then through vectors grown by doubling,
//! was a sixth of a sweep of 1,000,000 records). Other engines hand a page
//! of owned rows at a time ([`by_pages`]), parsed on every core while the
//! next is read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use zhisu_domain::verification::{
    BatchView, EnterpriseView, FlowView, ProductView, Snapshot, Stored,
};
use zhisu_domain::RecordKind;
use zhisu_store::{RawRecord, RecordRef, Store, SweepPages};

use crate::{ServiceError, ServiceResult};

/// Records per page of a full sweep.
const PAGE: i64 = 10_000;

/// One record parsed for the rules: the parts of it they read (the
/// domain's views: a whole record's other fields are skipped, not kept).
pub(crate) enum Parsed {
    Enterprise(Stored<EnterpriseView>),
    Product(Stored<ProductView>),
    Batch(Stored<BatchView>),
    Flow(Stored<FlowView>),
    Register(zhisu_domain::register::Register),
    /// A body that no longer reads as its kind (logged, not judged).
    Unreadable,
}

fn stored<T: DeserializeOwned>(r: RecordRef<'_>) -> Option<Stored<T>> {
    Some(Stored {
        record: serde_json::from_str(r.body).ok()?,
        id: r.id,
        version: r.version,
        region_code: r.region_code.to_owned(),
        created_at: r.created_at.to_owned(),
        updated_at: r.updated_at.to_owned(),
    })
}

/// Parses a record where its engine holds it.
fn parse(r: RecordRef<'_>) -> Parsed {
    let parsed = match r.kind {
        RecordKind::Enterprise => stored(r).map(Parsed::Enterprise),
        RecordKind::Product => stored(r).map(Parsed::Product),
        RecordKind::Batch => stored(r).map(Parsed::Batch),
        RecordKind::Flow => stored(r).map(Parsed::Flow),
        RecordKind::Register => serde_json::from_str(r.body).ok().map(Parsed::Register),
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        tracing::warn!(
            id = r.id,
            kind = r.kind.as_str(),
            "verification: a stored body does not read as its kind"
        );
        Parsed::Unreadable
    })
}

/// Parses `records` on every core (JSON is most of a sweep's work).
pub(crate) fn parse_all(records: Vec<RawRecord>) -> Vec<Parsed> {
    crate::cores::on_every_core(records, |r| parse(r.as_ref()))
}

/// Adds parsed records to the snapshot, each to its kind's list.
pub(crate) fn add(snapshot: &mut Snapshot, parsed: impl IntoIterator<Item = Parsed>) {
    for p in parsed {
        match p {
            Parsed::Enterprise(e) => snapshot.enterprises.push(e),
            Parsed::Product(p) => snapshot.products.push(p),
            Parsed::Batch(b) => snapshot.batches.push(b),
            Parsed::Flow(f) => snapshot.flows.push(f),
            Parsed::Register(r) => snapshot.registers.push(r),
            Parsed::Unreadable => {}
        }
    }
}

/// Each kind's records in ID order, as a page read by ID would hold them.
fn sort_by_id<T>(records: &mut [Stored<T>]) {
    if !records.is_sorted_by_key(|r| r.id) {
        records.sort_unstable_by_key(|r| r.id);
    }
}

/// Every record of the swept kinds read where the engine holds it: each
/// core takes the next page and parses it into a snapshot of its own,
/// each kind in ID order; the pages are joined in their order, so the
/// snapshot is the one a page-by-page read gives.
pub(crate) async fn in_place(
    reader: Arc<dyn SweepPages>,
    progress: &mut impl FnMut(u64),
) -> ServiceResult<Snapshot> {
    let failed = |e: tokio::task::JoinError| ServiceError::Internal(format!("verification: {e}"));
    let count = {
        let reader = reader.clone();
        tokio::task::spawn_blocking(move || reader.pages(PAGE))
            .await
            .map_err(failed)??
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = Arc::new(AtomicI64::new(0));
    let (pages, mut arriving) = tokio::sync::mpsc::channel(cores * 2);
    let mut readers = Vec::new();
    for _ in 0..cores {
        let (reader, next, pages) = (reader.clone(), next.clone(), pages.clone());
        readers.push(tokio::task::spawn_blocking(move || {
            let mut sizes = [0; 5];
            loop {
                let page = next.fetch_add(1, Ordering::Relaxed);
                if page >= count {
                    break;
                }
                // Each kind's list sized as on the last page, and a little
                // more: grown by doubling, each list was copied and its memory
                // freed and taken fresh from the kernel, page after page.
                let (mut part, mut read) = (sized(sizes), 0u64);
                let visited = reader.visit(page, PAGE, &mut |r| {
                    read += 1;
                    add(&mut part, [parse(r)]);
                });
                let broke = visited.is_err();
                sort_by_id(&mut part.enterprises);
                sort_by_id(&mut part.products);
                sort_by_id(&mut part.batches);
                sort_by_id(&mut part.flows);
                sizes = sizes_of(&part);
                if pages
                    .blocking_send(visited.map(|()| (page, part, read)))
                    .is_err()
                    || broke
                {
                    break;
                }
            }
        }));
    }
    drop(pages);
    let mut parts = BTreeMap::new();
    let (mut counted, mut due, mut read) = (BTreeMap::new(), 0, 0u64);
    while let Some(page) = arriving.recv().await {
        let (number, part, records) = page?;
        parts.insert(number, part);
        // Progress counts the pages read with none missing before them.
        counted.insert(number, records);
        while let Some(records) = counted.remove(&due) {
            read += records;
            progress(read);
            due += 1;
        }
    }
    for reader in readers {
        reader.await.map_err(failed)?;
    }
    tokio::task::spawn_blocking(move || join(parts.into_values().collect()))
        .await
        .map_err(failed)
}

/// How many records of each kind `s` holds.
fn sizes_of(s: &Snapshot) -> [usize; 5] {
    [
        s.enterprises.len(),
        s.products.len(),
        s.batches.len(),
        s.flows.len(),
        s.registers.len(),
    ]
}

/// An empty snapshot with room for about `sizes` records of each kind
/// (an eighth more, and a few).
fn sized(sizes: [usize; 5]) -> Snapshot {
    let room = |n: usize| n + n / 8 + 16;
    Snapshot {
        enterprises: Vec::with_capacity(room(sizes[0])),
        products: Vec::with_capacity(room(sizes[1])),
        batches: Vec::with_capacity(room(sizes[2])),
        flows: Vec::with_capacity(room(sizes[3])),
        registers: Vec::with_capacity(room(sizes[4])),
        ..Default::default()
    }
}

/// The pages' snapshots as one, in their order, each list allocated once
/// at its size.
fn join(parts: Vec<Snapshot>) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let sizes = parts.iter().fold([0; 5], |n, p| {
        let p = sizes_of(p);
        std::array::from_fn(|i| n[i] + p[i])
    });
    snapshot.enterprises.reserve_exact(sizes[0]);
    snapshot.products.reserve_exact(sizes[1]);
    snapshot.batches.reserve_exact(sizes[2]);
    snapshot.flows.reserve_exact(sizes[3]);
    snapshot.registers.reserve_exact(sizes[4]);
    for mut part in parts {
        snapshot.enterprises.append(&mut part.enterprises);
        snapshot.products.append(&mut part.products);
        snapshot.batches.append(&mut part.batches);
        snapshot.flows.append(&mut part.flows);
        snapshot.registers.append(&mut part.registers);
    }
    snapshot
}

/// Every record of the swept kinds, a page of owned rows at a time: the
/// next page is read while the last is parsed.
pub(crate) async fn by_pages(
    store: Arc<dyn Store>,
    progress: &mut impl FnMut(u64),
) -> ServiceResult<Snapshot> {
    let (pages, mut arriving) = tokio::sync::mpsc::channel(2);
    let reader = tokio::spawn(async move {
        let mut after = 0;
        loop {
            let page = store.sweep_records(after, PAGE).await;
            let page = match page {
                Ok(zhisu_store::RawPage { last: None, .. }) => break,
                Ok(page) => {
                    after = page.last.unwrap_or(after);
                    Ok(page.records)
                }
                Err(e) => Err(e),
            };
            let failed = page.is_err();
            if pages.send(page).await.is_err() || failed {
                break;
            }
        }
    });
    let mut snapshot = Snapshot::default();
    let mut read = 0u64;
    while let Some(page) = arriving.recv().await {
        let records = page?;
        read += records.len() as u64;
        let parsed = tokio::task::spawn_blocking(move || parse_all(records))
            .await
            .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?;
        add(&mut snapshot, parsed);
        progress(read);
    }
    reader
        .await
        .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?;
    Ok(snapshot)
}
