//! What the tests of several servers on one PostgreSQL database (issue
//! 20) share: two servers with one manufacturer, and requests sent to
//! several servers at once.

use serde_json::Value;
use zhisu_domain::Role;

use crate::support::{postgres_base_url, EngineKind, TestApp};

/// Two servers on one fresh PostgreSQL database (the second with a copy
/// of the first's keys), a platform admin's key and a manufacturer's;
/// None when no PostgreSQL server is configured.
pub async fn two_servers_and_a_maker() -> Option<(TestApp, TestApp, String, String)> {
    postgres_base_url()?;
    let one = TestApp::spawn(EngineKind::Postgres).await;
    let two = one.spawn_beside(|_| {}).await;
    let admin = one.key(Role::PlatformAdmin, None, &[]).await;
    let (_, maker) = one.enterprise(&admin, "manufacturer", "440305").await;
    Some((one, two, admin, maker))
}

/// `body` posted to `path` with `key` `n` times at once, the i-th send to
/// `apps[i % apps.len()]`; the statuses, sorted.
pub async fn post_at_once(
    apps: &[&TestApp],
    path: &str,
    key: &str,
    body: &Value,
    n: usize,
) -> Vec<u16> {
    let sends: Vec<_> = (0..n)
        .map(|i| {
            let app = apps[i % apps.len()];
            let (client, url, key, body) = (
                app.client.clone(),
                app.url(path),
                key.to_string(),
                body.clone(),
            );
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                r.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for send in sends {
        statuses.push(send.await.unwrap());
    }
    statuses.sort();
    statuses
}
