//! `TestApp`: a real server on 127.0.0.1:0 over a fresh store.

use std::path::PathBuf;

use rand::Rng;
use serde_json::{json, Value};
use zhisu::settings::{CommonArgs, ServeArgs, Settings};
use zhisu_domain::Role;
use zhisu_service::Service;

pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub service: Service,
    pub client: reqwest::Client,
    pub data: PathBuf,
    pub engine_kind: EngineKind,
    pub database_url: String,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// The PostgreSQL server for tests, if configured. Under CI it must be.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var("ZHISU_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but ZHISU_TEST_DATABASE_URL is not: the PostgreSQL half of the suite would be skipped"
            );
            None
        }
    }
}

/// Replaces the database name in a postgres URL.
fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    format!("{base}/{db}{query}")
}

pub(crate) async fn fresh_postgres_database(base: &str) -> String {
    use sqlx::Connection;
    let name = format!("zhisu_test_{}", rand::thread_rng().gen::<u64>());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to ZHISU_TEST_DATABASE_URL");
    sqlx::query(&format!("create database {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    with_database(base, &name)
}

impl TestApp {
    /// A server whose subscriptions may post to loopback receivers.
    pub async fn spawn(kind: EngineKind) -> TestApp {
        TestApp::spawn_with(kind, |_| {}).await
    }

    /// A server with settings of the test's own on top.
    pub async fn spawn_with(kind: EngineKind, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
        let database_url = match kind {
            EngineKind::Sqlite => None,
            EngineKind::Postgres => Some(
                fresh_postgres_database(&postgres_base_url().expect("postgres configured")).await,
            ),
        };
        TestApp::spawn_at(kind, database_url, |_| {}, adjust).await
    }

    /// Another server on this one's database, with a data folder of its
    /// own holding a copy of this one's keys (as the README says to share
    /// them), and what `prepare` puts there before it starts.
    pub async fn spawn_beside(&self, prepare: impl FnOnce(&std::path::Path)) -> TestApp {
        self.spawn_beside_with(prepare, |_| {}).await
    }

    /// As [`TestApp::spawn_beside`], with settings of the test's own.
    pub async fn spawn_beside_with(
        &self,
        prepare: impl FnOnce(&std::path::Path),
        adjust: impl FnOnce(&mut ServeArgs),
    ) -> TestApp {
        let keys = self.data.clone();
        TestApp::spawn_at(
            self.engine_kind,
            Some(self.database_url.clone()),
            |data| {
                copy_keys(&keys, data);
                prepare(data);
            },
            adjust,
        )
        .await
    }

    /// A server on the database at `url`, made by the test (an older
    /// version's, say).
    pub async fn spawn_at_url(kind: EngineKind, url: String) -> TestApp {
        TestApp::spawn_at(kind, Some(url), |_| {}, |_| {}).await
    }

    /// A server on a fresh database of the PostgreSQL server at `base` (a
    /// server of the test's own, which it may stop and restart).
    pub async fn spawn_on_postgres(base: &str, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
        let database_url = fresh_postgres_database(base).await;
        TestApp::spawn_at(EngineKind::Postgres, Some(database_url), |_| {}, adjust).await
    }

    async fn spawn_at(
        kind: EngineKind,
        database_url: Option<String>,
        prepare: impl FnOnce(&std::path::Path),
        adjust: impl FnOnce(&mut ServeArgs),
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        prepare(&data);
        let database_url =
            database_url.unwrap_or_else(|| format!("sqlite://{}", data.join("zhisu.db").display()));
        // A real port, so that the default public URL (the base of every
        // issued code) is the address the server answers on; held from here
        // on, since an outgoing connection of another test could otherwise
        // take it as its own ephemeral port before the server binds it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let mut args = ServeArgs {
            common: CommonArgs {
                data: Some(data.clone()),
                database_url: Some(database_url.clone()),
                config: None,
                crypto: None,
            },
            listen: Some(listener.local_addr().unwrap()),
            webhook_private_networks: Some(true),
            // Pages are signed into with passwords here; the two-factor
            // tests set `two_factor_roles` back to None and name roles in a
            // settings file (the default is in settings' own tests).
            two_factor_roles: Some(String::new()),
            ..Default::default()
        };
        adjust(&mut args);
        let settings = Settings::resolve(&args).expect("settings");
        let (_engine, service) = zhisu::open(&settings).await.expect("open store");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = zhisu::serve_on(service.clone(), &settings, listener, async move {
            let _ = rx.await;
        })
        .await
        .expect("serve");
        tokio::spawn(server);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base: format!("http://{addr}"),
            service,
            client,
            data,
            engine_kind: kind,
            database_url,
            _dir: dir,
            _shutdown: tx,
        }
    }

    /// A second service over the same data and database, as after a
    /// restart of the platform.
    pub async fn reopen(&self) -> Service {
        let args = ServeArgs {
            common: CommonArgs {
                data: Some(self.data.clone()),
                database_url: Some(self.database_url.clone()),
                config: None,
                crypto: None,
            },
            listen: Some(self.base.trim_start_matches("http://").parse().unwrap()),
            webhook_private_networks: Some(true),
            ..Default::default()
        };
        let settings = Settings::resolve(&args).expect("settings");
        zhisu::open(&settings).await.expect("reopen store").1
    }

    /// `zhisu ledger verify` on this app's data, as a separate process,
    /// awaited: the server runs on the test's own thread, and a blocking
    /// wait would stop it mid-transaction.
    pub async fn ledger_verify(&self) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_zhisu"))
            .args([
                "ledger",
                "verify",
                "--data",
                self.data.to_str().unwrap(),
                "--database-url",
                &self.database_url,
            ])
            .env("RUST_LOG", "warn")
            .output()
            .await
            .unwrap()
    }

    /// One app per configured engine: SQLite always, PostgreSQL when set.
    pub async fn each_engine() -> Vec<TestApp> {
        let mut apps = vec![TestApp::spawn(EngineKind::Sqlite).await];
        if postgres_base_url().is_some() {
            apps.push(TestApp::spawn(EngineKind::Postgres).await);
        }
        apps
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn key(
        &self,
        role: Role,
        enterprise_id: Option<i64>,
        jurisdiction: &[&str],
    ) -> String {
        let j: Vec<String> = jurisdiction.iter().map(|s| s.to_string()).collect();
        self.service
            .create_api_key(None, "test", role, enterprise_id, &j)
            .await
            .expect("create key")
            .key
    }

    pub async fn get(&self, key: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    pub async fn post(&self, key: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    /// A DELETE with this key; its status.
    pub async fn delete(&self, key: &str, path: &str) -> u16 {
        let r = self
            .client
            .delete(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        r.status().as_u16()
    }

    pub async fn patch(&self, key: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .patch(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    pub async fn upload(&self, key: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        let r = self
            .client
            .post(self.url("/api/v1/blobs"))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    /// Ledger leaves and records stored: what "changes nothing" compares.
    /// The ledger as stored: (leaf_index, leaf_hash, entry_ref), in order.
    pub async fn ledger_rows(&self) -> Vec<(i64, String, String)> {
        use sqlx::Connection;
        const SQL: &str =
            "select leaf_index, leaf_hash, entry_ref from ledger_leaves order by leaf_index";
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_as(SQL).fetch_all(&mut c).await.unwrap()
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_as(SQL).fetch_all(&mut c).await.unwrap()
            }
        }
    }

    /// Runs a statement behind the platform's back (tamper tests).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url).await?;
                Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url).await?;
                Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
            }
        }
    }

    /// One text from the database, read behind the platform's back.
    pub async fn text(&self, sql: &str) -> String {
        use sqlx::Connection;
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// A transaction behind the platform's back that keeps writes to
    /// `table` (on SQLite: every write) waiting until it is released.
    pub async fn hold_writes(&self, table: &str) -> WriteHold {
        use sqlx::Connection;
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query("begin immediate")
                    .execute(&mut c)
                    .await
                    .unwrap();
                WriteHold::Sqlite(c)
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query("begin").execute(&mut c).await.unwrap();
                sqlx::query(&format!("lock table {table} in exclusive mode"))
                    .execute(&mut c)
                    .await
                    .unwrap();
                WriteHold::Postgres(c)
            }
        }
    }

    /// One integer from the database, read behind the platform's back.
    pub async fn scalar(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// The first column of every row of `sql`, as text.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        use sqlx::Connection;
        match self.engine_kind {
            EngineKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
            }
            EngineKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.database_url)
                    .await
                    .unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
            }
        }
    }

    /// Records and record-version leaves: what a refused request must not
    /// change. (Its audit entry, itself a leaf, is expected.)
    pub async fn counts(&self) -> (i64, i64) {
        let h = self.service.health().await.unwrap();
        let versions = self
            .scalar("select count(*) from ledger_leaves where entry_kind = 'record'")
            .await;
        (h.records, versions)
    }

    /// A manufacturer (or seller) with its admin key, filed by a platform admin.
    pub async fn enterprise(&self, admin_key: &str, kind: &str, region: &str) -> (i64, String) {
        let (status, licence) = self.upload(admin_key, "licence.pdf", pdf()).await;
        assert_eq!(status, 201, "{licence}");
        let body = enterprise_json(
            kind,
            &fresh_uscc(region),
            region,
            licence["sha256"].as_str().unwrap(),
        );
        let (status, created) = self.post(admin_key, "/api/v1/enterprises", &body).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().unwrap();
        let role = if kind == "seller" {
            Role::Seller
        } else {
            Role::ManufacturerAdmin
        };
        (id, self.key(role, Some(id), &[]).await)
    }
}

pub async fn decode(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.unwrap();
    if status >= 400 {
        assert_eq!(
            content_type, "application/problem+json",
            "error {status} is not problem+json: {text}"
        );
    }
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every sheet of an XLSX workbook, by name, as rows of cell text (a
/// whole number without its `.0`), read back with calamine.
pub fn xlsx_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .expect("an XLSX workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("the sheet reads");
            let rows = range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|cell| match cell {
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

pub fn pdf() -> Vec<u8> {
    zhisu::demo::demo_pdf(&format!("test {}", rand::thread_rng().gen::<u32>()))
}

/// A valid, fresh USCC issued in `region`.
pub fn fresh_uscc(region: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut rng = rand::thread_rng();
    let body: String = (0..8)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect();
    zhisu_codes::Uscc::from_prefix16(&format!("91{region}{body}"))
        .unwrap()
        .to_string()
}

pub fn enterprise_json(kind: &str, uscc: &str, region: &str, licence_sha: &str) -> Value {
    json!({
        "kind": kind,
        "name": format!("测试{kind}有限公司"),
        "uscc": uscc,
        "address": "广东省深圳市南山区科技园1号",
        "region_code": region,
        "contact_phone": "0755-8888 0000",
        "business_licence": licence_sha,
    })
}

pub fn gas_stove_json(model: &str) -> Value {
    json!({
        "product_name": "家用燃气灶",
        "product_type": "嵌入式燃气灶",
        "model": model,
        "category": "gas-appliance",
        "mandatory_standards": ["GB 16410-2020"],
        "ccc_cert_no": "2021010101123456",
        "warranty_months": 36,
        "instructions": "使用前检查燃气软管",
        "code_scheme": "gs1",
        "trace_level": "per-item",
    })
}

/// The `lines` of a flow: one line per code.
pub fn flow_lines(codes: &[String]) -> Value {
    json!(codes.iter().map(|c| json!({"code": c})).collect::<Vec<_>>())
}

/// A valid SSCC (extension 0, the 697 company prefix) numbered `n`.
pub fn sscc(n: u32) -> String {
    let body = format!("06970000{n:09}");
    let check = zhisu_codes::gs1::lint::mod10_check_digit(&body).unwrap();
    format!("{body}{check}")
}

/// A code that differs from `code` only in its last character.
pub fn forge(code: &str) -> String {
    let (head, last) = code.split_at(code.len() - 1);
    format!("{head}{}", if last == "X" { "Y" } else { "X" })
}

/// See [`TestApp::hold_writes`].
pub enum WriteHold {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteHold {
    pub async fn release(self) {
        match self {
            WriteHold::Sqlite(mut c) => sqlx::query("rollback").execute(&mut c).await.map(drop),
            WriteHold::Postgres(mut c) => sqlx::query("rollback").execute(&mut c).await.map(drop),
        }
        .unwrap();
    }
}

/// A loopback port for a server in another process (the zhisu binary,
/// chromedriver), which cannot be handed a bound socket. Picked below
/// Linux's ephemeral range (32768–60999) so that no outgoing connection of
/// a concurrent test takes it as its own port between this check and the
/// child's bind; a free one is tried at random so that parallel tests
/// rarely pick the same.
pub fn port_for_a_child() -> u16 {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    for _ in 0..200 {
        let port = rng.gen_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between 20000 and 32000");
}

/// The keys of the data folder `from` copied into `to`'s, as the README
/// says to share them between servers.
pub fn copy_keys(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to.join("keys")).unwrap();
    for file in std::fs::read_dir(from.join("keys")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), to.join("keys").join(file.file_name())).unwrap();
    }
}
