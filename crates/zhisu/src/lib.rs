//! The zhisu binary's library: wiring of settings, engines, service and
//! routers. Only this crate names an engine.

pub mod backup;
pub mod demo;
pub mod import_cmd;
pub mod keys;
pub mod notify;
pub mod register_lookup;
pub mod report_cmd;
pub mod schedule;
pub mod server;
pub mod settings;
pub mod shared_keys;
pub mod suite;
pub mod template_cmd;
pub mod toolkit;
pub mod verify_cmd;
pub mod webhook;
pub mod witness;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use settings::Settings;
use zhisu_service::{BlobDir, Service, ServiceSettings};
use zhisu_store::Store;

/// An open store, with a way to close it cleanly.
pub enum Engine {
    Sqlite(zhisu_store_sql::SqliteStore),
    Postgres(zhisu_store_sql::PgStore),
}

impl Engine {
    /// Opens the store, hashing ledger leaves with `suite` (issue 16.17).
    pub async fn open(settings: &Settings, suite: zhisu_ledger::Suite) -> anyhow::Result<Engine> {
        if settings.database_url.is_postgres() {
            let store = zhisu_store_sql::PgStore::connect_waiting(
                settings.database_url.expose(),
                settings.write_wait,
            )
            .await
            .map_err(|e| {
                opening_error(
                    e,
                    format!("connecting to {}", settings.database_url.redacted()),
                )
            })?
            .with_suite(suite);
            Ok(Engine::Postgres(store))
        } else {
            std::fs::create_dir_all(&settings.data)
                .with_context(|| format!("creating data folder {}", settings.data.display()))?;
            let store = zhisu_store_sql::SqliteStore::connect_waiting(
                settings.database_url.expose(),
                settings.write_wait,
            )
            .await
            .map_err(|e| opening_error(e, format!("opening {}", settings.database_url.redacted())))?
            .with_suite(suite);
            Ok(Engine::Sqlite(store))
        }
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Engine::Sqlite(s) => Arc::new(s.clone()),
            Engine::Postgres(s) => Arc::new(s.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            Engine::Sqlite(s) => s.close().await,
            Engine::Postgres(s) => s.close().await,
        }
    }
}

/// Whether a blob folder holds any file (its two-letter subfolders; the
/// captures' spool aside).
fn folder_holds_files(blobs: &std::path::Path) -> bool {
    std::fs::read_dir(blobs).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name().len() == 2
                && std::fs::read_dir(e.path()).is_ok_and(|mut files| files.next().is_some())
        })
    })
}

/// Why a database could not be opened: one a newer zhisu migrated is
/// refused saying so (issue 20: a server of an older schema version must
/// not write into a newer database), anything else with `what`.
fn opening_error(e: sqlx::Error, what: String) -> anyhow::Error {
    if let sqlx::Error::Migrate(m) = &e {
        if let sqlx::migrate::MigrateError::VersionMissing(version) = **m {
            return anyhow::anyhow!(
                "数据库已由较新版本的 zhisu 升级（迁移 {version}），本服务器的版本较旧：请先升级本服务器再启动 (the database was migrated by a newer zhisu — migration {version} — than this server: upgrade this server before starting it)"
            );
        }
    }
    anyhow::Error::new(e).context(what)
}

/// Opens the store and the blob folder and builds the service.
pub async fn open(settings: &Settings) -> anyhow::Result<(Engine, Service)> {
    let suite = suite::choose(&settings.data, settings.crypto)?;
    let engine = Engine::open(settings, suite).await?;
    let blobs = BlobDir::new(settings.data.join("blobs"))
        .with_context(|| format!("creating blob folder under {}", settings.data.display()))?;
    let serial_keys = keys::serial_keys(&settings.data).context("loading the serial keys")?;
    let serials = keys::codec(serial_keys.clone())?;
    let ledger_signer = keys::ledger_signer(
        &settings.data,
        &zhisu_service::ledger_origin(&settings.public_url, suite),
        suite,
    )
    .context("loading the ledger signing key")?;
    let contact_key =
        keys::contact_key(&settings.data, suite).context("loading the contact key")?;
    let here = shared_keys::fingerprints(
        &serial_keys,
        ledger_signer.public_key().as_bytes(),
        &contact_key,
        suite,
    );
    shared_keys::check(&*engine.store(), &here).await?;
    let service = Service::new(
        engine.store(),
        blobs,
        serials,
        ledger_signer,
        contact_key,
        ServiceSettings {
            session_hours: settings.session_hours,
            session_idle_minutes: settings.session_idle_minutes,
            deployment_name: settings.deployment_name.clone(),
            public_url: settings.public_url.clone(),
            manual_review: settings.manual_review,
            scan_alert_count: settings.scan_alert_count,
            retention_years: settings.retention_years.clone(),
            webhook_private_networks: settings.webhook_private_networks,
            login_policy: settings.login_policy,
            capture_memory_mib: settings.capture_memory_mib,
            two_factor_roles: settings.two_factor_roles.clone(),
            verification_off: settings.verification_off.clone(),
            verification_thresholds: settings.verification_thresholds.clone(),
            disposal_measures: std::sync::Arc::new(settings.disposal_measures.clone()),
        },
    )
    .with_webhook(Arc::new(
        webhook::HttpWebhook::new(settings.webhook_private_networks)
            .context("building the webhook client")?,
    ));
    let service = match &settings.register_lookup_url {
        Some(url) => service.with_register_lookup(Arc::new(
            register_lookup::HttpRegisterLookup::new(
                url.clone(),
                settings.register_lookup_token.clone(),
            )
            .context("building the register lookup client")?,
        )),
        None => service,
    };
    // PostgreSQL: every server of the deployment reads the files from the
    // database (issue 20.2); what an earlier version kept in this folder
    // is copied in first.
    let service = match &engine {
        Engine::Postgres(_) => {
            let service = service.with_files_in_database();
            if folder_holds_files(&settings.data.join("blobs")) {
                let copied = service
                    .files_into_database()
                    .await
                    .context("copying the folder's files into the database")?;
                if copied > 0 {
                    tracing::info!(
                        copied,
                        "files copied from the data folder into the database"
                    );
                }
            }
            service
        }
        Engine::Sqlite(_) => service,
    };
    let service = settings
        .reminders
        .notifiers()?
        .into_iter()
        .fold(service, |service, notifier| service.with_notifier(notifier));
    Ok((engine, service))
}

/// The whole platform: API, pages, assets, and the public resolver's fast
/// path in front of them.
pub fn app(service: Service, settings: &Settings) -> zhisu_web::Resolver<Router> {
    let web = zhisu_web::WebState::new(
        service.clone(),
        zhisu_web::WebSettings {
            secure_cookies: settings.secure_cookies,
            hsts: settings.tls.is_some(),
        },
    );
    let hsts = settings.tls.is_some();
    let routes = zhisu_api::router(service)
        .merge(zhisu_web::router(web.clone()))
        .layer(axum::middleware::from_fn(zhisu_api::refuse_nul_in_uri))
        // A client that hangs up does not cut a write off halfway.
        .layer(axum::middleware::from_fn(zhisu_api::run_to_end))
        .layer(axum::middleware::map_response(
            move |mut response: axum::response::Response| async move {
                zhisu_web::security_headers(response.headers_mut());
                if hsts {
                    response.headers_mut().insert(
                        axum::http::header::STRICT_TRANSPORT_SECURITY,
                        axum::http::HeaderValue::from_static(zhisu_web::HSTS),
                    );
                }
                response
            },
        ));
    zhisu_web::Resolver::new(web, routes)
}

/// Binds the listener (port 0 picks a free port) and returns its address
/// with the future that serves until `shutdown` resolves.
pub async fn bind(
    service: Service,
    settings: &Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(
    SocketAddr,
    impl std::future::Future<Output = std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    serve_on(service, settings, listener, shutdown).await
}

/// As [`bind`], on a listener the caller already holds: a port chosen
/// beforehand (to put it in the public URL) stays taken until the server
/// answers on it, so no other socket can take it in between.
pub async fn serve_on(
    service: Service,
    settings: &Settings,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(
    SocketAddr,
    impl std::future::Future<Output = std::io::Result<()>>,
)> {
    let addr = listener.local_addr()?;
    // The EPCIS schema takes about a second to compile: now, beside the
    // server, rather than in the first capture.
    std::thread::spawn(zhisu_epcis::prepare);
    // Issue 16.12: scans a killed server answered are in its journal.
    let replayed = service
        .open_scan_journal(&settings.data.join("scan-journal"))
        .await
        .context("opening the scan journal")?;
    if replayed > 0 {
        tracing::info!(
            scans = replayed,
            "stored scans a stopped server had answered but not stored"
        );
    }
    let leftover = service
        .fold_leftover_scans()
        .await
        .context("folding scans a previous server left unfolded")?;
    if leftover > 0 {
        tracing::info!(
            scans = leftover,
            "folded scans a previous server left unfolded"
        );
    }
    // Subscription reports go out for as long as the server runs.
    let deliverer = tokio::spawn(service.clone().deliver_subscriptions());
    // What other servers on the database write clears this one's caches.
    let follower = tokio::spawn(service.clone().follow_changes());
    // What a server that stopped left unfolded, folded by one other.
    let takeover = tokio::spawn(service.clone().keep_folding_stopped_servers());
    let tls = settings
        .tls
        .clone()
        .map(server::Tls::load)
        .transpose()
        .context("reading the TLS certificate and key")?;
    let app = app(service, settings);
    let server = server::serve(listener, app, tls, settings.header_read_timeout, shutdown);
    let server = async move {
        let served = server.await;
        deliverer.abort();
        follower.abort();
        takeover.abort();
        served
    };
    Ok((addr, server))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
