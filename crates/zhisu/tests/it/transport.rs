//! The transport (issue 16.15): private answers are kept by no cache;
//! slow and idle clients are cut off; HTTPS by the server itself, with
//! HSTS and Secure cookies, and a certificate read again on SIGHUP.

use std::io::Write as _;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zhisu_domain::Role;

use crate::support::{EngineKind, TestApp};

fn cache_control(r: &reqwest::Response) -> String {
    r.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn private_answers_are_kept_by_no_cache() {
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (_, report, codes) = crate::scan::active_item_batch(&app, &maker, "CACHE-1", 985).await;
    for path in [
        "/api/v1/me".to_string(),
        "/api/v1/products".to_string(),
        format!("/api/v1/blobs/{report}"),
        "/api/v1/products/999999".to_string(),
    ] {
        let r = app
            .client
            .get(app.url(&path))
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        assert_eq!(cache_control(&r), "no-store", "{path}");
    }
    let clerk = zhisu_service::NewAccount::new(
        "cache-clerk",
        crate::support::PASSWORD,
        "质量部王工",
        Role::PlatformAdmin,
    );
    app.service.create_user(None, clerk).await.unwrap();
    let (client, _) = crate::pages::signed_in(&app, "cache-clerk").await;
    for path in ["/dashboard".to_string(), format!("/files/{report}")] {
        let r = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(cache_control(&r), "no-store", "signed-in {path}");
    }
    // What anyone may see stays cacheable.
    let r = app
        .client
        .get(app.url("/assets/app.css"))
        .send()
        .await
        .unwrap();
    assert!(
        cache_control(&r).starts_with("public"),
        "{}",
        cache_control(&r)
    );
    let r = app
        .client
        .get(&codes[0])
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_ne!(cache_control(&r), "no-store", "the public scan page");
}

/// A server whose clients get one second to send their headers.
async fn impatient(
    adjust: impl FnOnce(&mut zhisu::settings::ServeArgs),
) -> (TestApp, tempfile::NamedTempFile) {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "header_read_timeout_seconds = 1\n").unwrap();
    let path = config.path().to_path_buf();
    let app = TestApp::spawn_with(EngineKind::Sqlite, |args| {
        args.common.config = Some(path);
        adjust(args);
    })
    .await;
    (app, config)
}

/// Waits (at most `within`) until the server closes `stream`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a 408 or a response: read on to the close
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off() {
    let (app, _config) = impatient(|_| {}).await;
    let addr = app.url("").trim_start_matches("http://").to_string();
    // Fifty clients that never finish their headers.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    for (i, s) in slow.iter_mut().enumerate() {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "slow client {i} still held"
        );
    }
    // A kept-alive connection left idle after its answer is closed too.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "idle keep-alive connection still held"
    );
    // And the server still answers.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// A self-signed certificate for `localhost`, as PEM files.
fn certificate(dir: &std::path::Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    write_atomically(&cert_path, cert.cert.pem().as_bytes());
    write_atomically(&key_path, cert.signing_key.serialize_pem().as_bytes());
    (cert.cert.pem(), cert_path, key_path)
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::File::create(&tmp)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    std::fs::rename(tmp, path).unwrap();
}

fn trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_hsts_secure_cookies_and_a_certificate_read_again_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (first, cert, key) = certificate(dir.path());
    let (app, _config) = impatient(|args| {
        args.tls_cert = Some(cert.clone());
        args.tls_key = Some(key.clone());
    })
    .await;
    let https = app
        .url("")
        .replacen("http://127.0.0.1", "https://localhost", 1);

    let r = trusting(&first)
        .get(format!("{https}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.contains("Secure")),
        "{cookies:?}"
    );
    // The public scan, answered before the router, says so too.
    let r = trusting(&first)
        .get(format!("{https}/01/06970000000017/21/0000000001"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000",
        "the scan page"
    );
    // Plain HTTP on the TLS port gets nowhere.
    assert!(app.client.get(app.url("/healthz")).send().await.is_err());

    // A renewed certificate is served after SIGHUP; a bad file is not
    // taken, and the good one stays.
    let (second, _, _) = certificate(dir.path());
    let hang_up = || {
        std::process::Command::new("kill")
            .args(["-HUP", &std::process::id().to_string()])
            .status()
            .unwrap()
    };
    assert!(hang_up().success());
    let mut renewed = false;
    for _ in 0..50 {
        if trusting(&second)
            .get(format!("{https}/healthz"))
            .send()
            .await
            .is_ok()
        {
            renewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(renewed, "the renewed certificate is served");
    assert!(
        trusting(&first)
            .get(format!("{https}/healthz"))
            .send()
            .await
            .is_err(),
        "the old one is not"
    );
    write_atomically(&cert, b"not a certificate");
    assert!(hang_up().success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = trusting(&second)
        .get(format!("{https}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a bad renewal keeps the certificate in use"
    );
}
