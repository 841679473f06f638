//! EPCIS captures in flight are bounded in memory (issue 16.9): a body
//! declared larger than the limit is refused before it is read; a capture
//! that would pass the deployment's budget (`capture_memory_mib`) while
//! others hold it waits a moment, then is told the platform is busy (503,
//! Retry-After) and stores nothing; once room is given back it goes
//! through.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zhisu_domain::Role;

use crate::epcis::{capture, many_events};
use crate::support::{EngineKind, TestApp};

/// A raw capture request whose headers declare `length` bytes; `body` is
/// what is actually sent (the rest never comes).
async fn raw_capture(app: &TestApp, key: &str, length: u64, body: &[u8]) -> tokio::net::TcpStream {
    let addr = app.url("").trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /epcis/capture HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/ld+json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_in_flight_are_bounded_in_memory() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "capture_memory_mib = 16\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
    })
    .await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let stored = || async { app.scalar("select count(*) from epcis_events").await };

    // Declared past the limit: refused before a byte of it is read.
    let mut huge = raw_capture(&app, &maker, 300 << 20, b"").await;
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), huge.read(&mut answer))
        .await
        .expect("answered at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");

    // One capture of 15 MiB being sent holds 15 of the 16 MiB; a second of
    // 2 to 3 MiB waits, then is busy, and stores nothing.
    let doc = many_events(5_000).to_string();
    assert!(
        doc.len() > (1 << 20) && doc.len() < (3 << 20),
        "{}",
        doc.len()
    );
    let holder = raw_capture(&app, &maker, 15 << 20, b"{\"@context\": ").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let r = app
        .client
        .post(app.url("/epcis/capture"))
        .bearer_auth(&maker)
        .header("content-type", "application/ld+json")
        .body(doc.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "it waited first"
    );
    assert_eq!(stored().await, 0, "nothing stored");

    // The first client goes away: its room is given back.
    drop(holder);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, answer) = capture(&app, &maker, &doc, None).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["events"], 5_000);
}

/// `n` events as document text, written straight into one string: no
/// parsed copy of the document ever sits in this process's memory.
fn document_text(n: usize) -> Vec<u8> {
    let mut doc = String::with_capacity(n * 420 + 400);
    doc.push_str(
        "{\"@context\": [\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"], \
         \"type\": \"EPCISDocument\", \"schemaVersion\": \"2.0\", \
         \"creationDate\": \"2026-11-23T00:00:00Z\", \"epcisBody\": {\"eventList\": [",
    );
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            "{{\"type\": \"ObjectEvent\", \"eventTime\": \"2026-11-{:02}T08:{:02}:00.000+08:00\", \
             \"eventTimeZoneOffset\": \"+08:00\", \
             \"epcList\": [\"https://id.gs1.org/01/06970000000017/21/{i:010}\"], \
             \"action\": \"OBSERVE\", \"bizStep\": \"shipping\", \"disposition\": \"in_transit\", \
             \"readPoint\": {{\"id\": \"https://id.gs1.org/414/6970000000000\"}}, \
             \"bizLocation\": {{\"id\": \"https://id.gs1.org/414/6970000000017\"}}}}",
            1 + i % 28,
            i % 60
        ));
    }
    doc.push_str("]}}");
    doc.into_bytes()
}

/// This process's anonymous memory (heap, not file pages), in bytes.
fn anonymous_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .expect("RssAnon in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib << 10
}

/// Captures `doc` as `key`; how much the process's anonymous memory rose
/// at most while it ran. The text is never freed, so its sending does not
/// give memory back in the middle of a measure.
async fn capture_growth(app: &TestApp, key: &str, doc: Vec<u8>, events: usize) -> u64 {
    let doc: &'static [u8] = Box::leak(doc.into_boxed_slice());
    let before = anonymous_memory();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = anonymous_memory();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(anonymous_memory());
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    };
    let r = app
        .client
        .post(app.url("/epcis/capture"))
        .bearer_auth(key)
        .header("content-type", "application/ld+json")
        .body(doc)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let answer: serde_json::Value = r.json().await.unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["events"], events, "stored whole");
    peak.saturating_sub(before)
}

/// A capture's body is streamed to a spool file as it arrives and read
/// from there a piece at a time (issue 16.9), so its memory does not grow
/// with its size: a capture of 150,000 events takes less memory beyond
/// one of 50,000 than the 34 MiB of text between them. While bodies were
/// buffered it took twice the difference (a single 62 MiB capture took
/// 197 MiB). A first capture fills what every capture shares (the
/// database's page cache) before anything is measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_capture_is_streamed_not_held_in_memory() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let mut makers = Vec::new();
    for _ in 0..3 {
        makers.push(app.enterprise(&admin, "manufacturer", "440305").await.1);
    }
    // As large as the largest measured, so what every capture shares is
    // as warm as it gets before anything is measured.
    capture_growth(&app, &makers[0], document_text(150_000), 150_000).await;
    let (small, large) = (document_text(50_000), document_text(150_000));
    let difference = (large.len() - small.len()) as u64;
    assert!(difference > 30 << 20, "{difference}");
    let small = capture_growth(&app, &makers[1], small, 50_000).await;
    let large = capture_growth(&app, &makers[2], large, 150_000).await;
    eprintln!(
        "grew {} MiB, then {} MiB with {} MiB more to capture",
        small >> 20,
        large >> 20,
        difference >> 20
    );
    // Buffered, the larger took twice the difference (69 MiB); streamed,
    // 8 MiB here and 19 MiB on a loaded CI machine.
    assert!(
        large.saturating_sub(small) < difference,
        "{} MiB more to capture took {} MiB more memory",
        difference >> 20,
        large.saturating_sub(small) >> 20
    );
}
