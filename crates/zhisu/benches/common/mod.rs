//! What the benchmarks share: a platform opened on a data folder of its
//! own (a real SQLite file), as `zhisu serve --data DIR` opens it.

use zhisu::settings::{CommonArgs, ServeArgs, Settings};

/// The engine, the service and the database URL of a fresh data folder.
pub async fn open(dir: &std::path::Path) -> (zhisu::Engine, zhisu_service::Service, String) {
    let args = ServeArgs {
        common: CommonArgs {
            data: Some(dir.to_path_buf()),
            ..Default::default()
        },
        ..Default::default()
    };
    let settings = Settings::resolve(&args).unwrap();
    let url = settings.database_url.expose().to_string();
    let (engine, service) = zhisu::open(&settings).await.unwrap();
    (engine, service, url)
}
