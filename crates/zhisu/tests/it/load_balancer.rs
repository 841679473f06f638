//! Issue 20.3: three servers on one PostgreSQL database behind Debian's
//! nginx (round robin, no stickiness), and the platform's story through
//! it as its users see it: an enterprise registered, a product and batch
//! filed and activated, its codes scanned, an item sold once, a recall
//! that turns every server's scan page red, a consumer's feedback that
//! reaches the maker — with every server having answered, every scan
//! counted once and the ledger sound.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use zhisu_domain::Role;

use crate::scan::{active_item_batch, scan_json};
use crate::support::{flow_lines, port_for_a_child, postgres_base_url, EngineKind, TestApp};

/// nginx, stopped however the test ends.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// nginx on `port`, round robin over `servers` (`http://HOST:PORT`), its
/// files under `dir`.
fn nginx(dir: &Path, port: u16, servers: &[&str]) -> Nginx {
    let upstream: String = servers
        .iter()
        .map(|s| format!("        server {};\n", s.trim_start_matches("http://")))
        .collect();
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;\n\
         error_log {d}/error.log warn;\n\
         pid {d}/nginx.pid;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n\
         access_log off;\n\
         client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
         client_max_body_size 20m;\n\
         upstream zhisu {{\n{upstream}    }}\n\
         server {{\n\
             listen 127.0.0.1:{port};\n\
             location / {{\n\
                 proxy_pass http://zhisu;\n\
                 proxy_set_header Host $http_host;\n\
                 proxy_set_header X-Forwarded-For $remote_addr;\n\
             }}\n\
         }}\n\
         }}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx (Debian's package) is installed");
    Nginx(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platforms_story_runs_through_nginx_over_three_servers() {
    if postgres_base_url().is_none() {
        return;
    }
    // The address the public reaches: nginx's, on every server.
    let port = port_for_a_child();
    let public = format!("http://127.0.0.1:{port}");
    let public_url = |args: &mut zhisu::settings::ServeArgs| args.public_url = Some(public.clone());
    let one = TestApp::spawn_with(EngineKind::Postgres, public_url).await;
    let two = one.spawn_beside_with(|_| {}, public_url).await;
    let mut lb = one.spawn_beside_with(|_| {}, public_url).await;
    let servers = [one.base.clone(), two.base.clone(), lb.base.clone()];
    let dir = tempfile::tempdir().unwrap();
    let _nginx = nginx(
        dir.path(),
        port,
        &servers.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    // From here on every request of the story goes through nginx.
    lb.base = public.clone();
    let started = Instant::now();
    while lb.client.get(lb.url("/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Registered by the platform, with its licence uploaded through one
    // server and read back by whichever answers.
    let admin = lb.key(Role::PlatformAdmin, None, &[]).await;
    let (maker_id, maker) = lb.enterprise(&admin, "manufacturer", "440305").await;
    let (status, enterprise) = lb
        .get(&maker, &format!("/api/v1/enterprises/{maker_id}"))
        .await;
    assert_eq!(status, 200, "{enterprise}");
    let licence = enterprise["business_licence"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..3 {
        let r = lb
            .client
            .get(lb.url(&format!("/api/v1/blobs/{licence}")))
            .bearer_auth(&maker)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the licence through every server");
    }

    // Filed and activated: its codes are under the public address.
    let (batch, _, codes) = active_item_batch(&lb, &maker, "LB-1", 951).await;
    assert!(codes[0].starts_with(&public), "{}", codes[0]);

    // Scanned, round robin: genuine on every server, each scan counted.
    for n in 1..=6 {
        let (status, view) = scan_json(&lb, &codes[0], "").await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["status"], "genuine", "scan {n}: {view}");
    }
    for app in [&one, &two, &lb] {
        assert!(
            app.service.scans_logged() > 0,
            "every server answered scans"
        );
    }

    // Sold once: the same sale again, through another server, is refused.
    let sale = json!({"kind": "sale", "at": chrono::Utc::now().format("%Y-%m-%d").to_string(),
        "counterparty_name": "消费者赵六", "counterparty_address": "广州市天河区",
        "counterparty_contact": "13700000000", "lines": flow_lines(&codes[1..2])});
    let (status, sold) = lb.post(&maker, "/api/v1/flows", &sale).await;
    assert_eq!(status, 201, "{sold}");
    let (status, again) = lb.post(&maker, "/api/v1/flows", &sale).await;
    assert_eq!(status, 422, "sold twice: {again}");

    // A recall: every scan after it, whichever server answers, is red.
    let (_, view) = lb.get(&maker, &format!("/api/v1/batches/{batch}")).await;
    let recall = json!({"product_id": view["product_id"], "batch_ids": [batch], "reason": "燃气阀门可能泄漏"});
    let (status, opened) = lb.post(&maker, "/api/v1/recalls", &recall).await;
    assert_eq!(status, 201, "{opened}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    for n in 1..=6 {
        let (_, view) = scan_json(&lb, &codes[0], "").await;
        assert_eq!(
            view["status"], "recalled",
            "scan {n} after the recall: {view}"
        );
    }
    let (_, html) = crate::scan::scan_page(&lb, &codes[2]).await;
    assert!(
        html.contains(r#"data-status="recalled""#),
        "the page is red too"
    );

    // A consumer's feedback, sent without a key, read by the maker.
    let r = lb
        .client
        .post(lb.url("/api/v1/feedback"))
        .json(&json!({"code": codes[0], "message": "点火后火焰发黄", "contact": "13700000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, mine) = lb.get(&maker, "/api/v1/feedback").await;
    assert_eq!(mine["total"], 1, "{mine}");

    // Every scan counted once, and the ledger one log.
    for app in [&one, &two, &lb] {
        app.service.flush_scans().await;
    }
    let counted = one
        .scalar("select cast(coalesce(sum(count), 0) as bigint) from scan_counts")
        .await;
    let logged = one.scalar("select count(*) from scans").await;
    assert_eq!(counted, logged, "each scan counted once");
    assert!(logged >= 13, "{logged}");
    let out = one.ledger_verify().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
