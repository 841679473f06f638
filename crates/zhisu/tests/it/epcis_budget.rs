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

    // One capture of 4 MiB being sent holds 12 of the 16 MiB; a second of
    // 2 MiB (6 MiB) waits, then is busy, and stores nothing.
    let doc = many_events(5_000).to_string();
    assert!(
        doc.len() > (1 << 20) && doc.len() < (3 << 20),
        "{}",
        doc.len()
    );
    let holder = raw_capture(&app, &maker, 4 << 20, b"{\"@context\": ").await;
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
