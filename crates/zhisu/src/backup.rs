//! `zhisu backup` and `zhisu restore` (G8.3, P7.1.3): a consistent online
//! copy of a SQLite deployment (database, files, public ledger key; private
//! keys only when asked), verified against the ledger before it is called
//! good; and its way back. PostgreSQL deployments use the engine's own tools.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::settings::Settings;
use crate::Engine;

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut n = 0;
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_dir(&entry.path(), &target)?;
        } else {
            match std::fs::copy(entry.path(), &target) {
                Ok(_) => n += 1,
                // SQLite's last connection removes its shared-memory index and
                // its WAL (emptied by the close's TRUNCATE checkpoint) as it
                // goes; one that vanished between listing and copying held
                // nothing to keep.
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && entry
                            .file_name()
                            .to_str()
                            .is_some_and(|n| n.ends_with("-shm") || n.ends_with("-wal")) => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("copying {}", entry.path().display()))
                }
            }
        }
    }
    Ok(n)
}

fn empty_or_missing(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// Verifies the ledger of the data folder `data`, its checkpoints against
/// the deployment's public key `ledger_public` (whose algorithm says the
/// suite); Err names the problem. Needs no private key: none is read, and
/// none is created in `data`.
async fn verify(
    data: &Path,
    ledger_public: zhisu_ledger::note::PublicKey,
) -> anyhow::Result<(u64, String)> {
    let settings = Settings::for_data(&crate::settings::CommonArgs {
        data: Some(data.to_path_buf()),
        ..Default::default()
    })?;
    let suite = ledger_public.suite();
    let engine = Engine::open(&settings, suite).await?;
    let throwaway =
        zhisu_codes::serial::SerialCodec::new(vec![zhisu_codes::serial::SerialKey::new(
            0, [0; 16],
        )
        .expect("version 0")])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let service = zhisu_service::Service::new(
        engine.store(),
        zhisu_service::BlobDir::new(data.join("blobs"))?,
        throwaway,
        // Throwaway keys of the same suite: nothing is signed or sealed.
        match suite {
            zhisu_ledger::Suite::Standard => zhisu_ledger::note::NoteSigner::new("verify", [0; 32]),
            zhisu_ledger::Suite::Sm => zhisu_ledger::note::NoteSigner::sm2("verify", [1; 32])
                .expect("1 is an SM2 private key"),
        },
        zhisu_service::ContactKey::Aes256([0; 32]),
        Default::default(),
    );
    let report = service.verify_ledger_against(ledger_public, |_| {}).await;
    engine.close().await;
    let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
    match report.problem {
        None => Ok((report.leaves, report.root)),
        Some(problem) => bail!("the ledger does not match the records: {problem}"),
    }
}

/// Copies the deployment of `settings` into `dest` and verifies the copy.
pub async fn backup(
    settings: &Settings,
    dest: &Path,
    private_keys: bool,
) -> anyhow::Result<String> {
    if settings.database_url.is_postgres() {
        bail!(
            "PostgreSQL deployments are backed up with the engine's own tools (pg_basebackup and WAL archiving, or pg_dump), plus the data folder's blobs/ and keys/: see README"
        );
    }
    if !empty_or_missing(dest) {
        bail!("{} is not empty: back up into a new folder", dest.display());
    }
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    let suite = crate::suite::recorded(&settings.data)?.unwrap_or_default();
    let engine = Engine::open(settings, suite).await?;
    let Engine::Sqlite(store) = &engine else {
        bail!("not a SQLite deployment");
    };
    let snapshot = store.backup_to(&dest.join("zhisu.db")).await;
    engine.close().await;
    snapshot.context("copying the database")?;
    // Files are content-addressed and written before the records naming
    // them, so every file the snapshot references is already on disk.
    let files = copy_dir(&settings.data.join("blobs"), &dest.join("blobs"))?;
    let keys = dest.join("keys");
    std::fs::create_dir_all(&keys)?;
    let signer = crate::keys::ledger_signer(
        &settings.data,
        &zhisu_service::ledger_origin(&settings.public_url, suite),
        suite,
    )?;
    std::fs::write(
        keys.join("ledger.pub"),
        format!("{}\n", signer.verifier_key()),
    )?;
    if private_keys {
        copy_dir(&settings.data.join("keys"), &keys)?;
    }
    let (leaves, root) = match verify(dest, signer.public_key()).await {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(dest);
            return Err(e.context("the backup did not verify and was removed"));
        }
    };
    let manifest = format!(
        "zhisu backup\ncreated: {}\nledger leaves: {leaves}\nledger root: {root}\nfiles: {files}\nprivate keys: {}\n",
        chrono::Utc::now().to_rfc3339(),
        if private_keys { "included (keep this backup secret)" } else { "not included: keep DATA/keys/serial-keys, contact-aes256 and ledger-ed25519 safe separately" }
    );
    std::fs::write(dest.join("MANIFEST.txt"), &manifest)?;
    Ok(manifest)
}

/// The public ledger key a restored copy is checked against: the one the
/// backup carries (`keys/ledger.pub`, written from the live key when it was
/// taken), else that of the private key restored beside it.
fn restored_ledger_key(
    src: &Path,
    staging: &Path,
) -> anyhow::Result<zhisu_ledger::note::PublicKey> {
    let public = src.join("keys").join("ledger.pub");
    if public.exists() {
        let text = std::fs::read_to_string(&public)
            .with_context(|| format!("reading {}", public.display()))?;
        let verifier = zhisu_ledger::note::NoteVerifier::parse(text.trim())
            .map_err(|e| anyhow::anyhow!("{}: {e}", public.display()))?;
        return Ok(verifier.public_key());
    }
    let suite = crate::suite::recorded(staging)?.unwrap_or_default();
    if std::env::var("ZHISU_LEDGER_KEY").is_ok()
        || staging.join("keys").join("ledger-ed25519").exists()
        || staging.join("keys").join("ledger-sm2").exists()
    {
        return Ok(crate::keys::ledger_signer(staging, "restore", suite)?.public_key());
    }
    bail!(
        "the backup holds neither keys/ledger.pub nor the ledger key: its checkpoints cannot be checked"
    )
}

/// Restores a backup into the empty data folder `data`, and verifies it.
pub async fn restore(src: &Path, data: &Path) -> anyhow::Result<String> {
    if !src.join("zhisu.db").exists() {
        bail!("{} holds no zhisu.db: not a zhisu backup", src.display());
    }
    if data.join("zhisu.db").exists() {
        bail!(
            "{} already holds a database: restore into an empty data folder",
            data.display()
        );
    }
    let staging: PathBuf = data.with_extension("restoring");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    std::fs::copy(src.join("zhisu.db"), staging.join("zhisu.db"))
        .context("copying the database")?;
    let files = copy_dir(&src.join("blobs"), &staging.join("blobs"))?;
    copy_dir(&src.join("keys"), &staging.join("keys"))?;
    let _ = std::fs::remove_file(staging.join("keys").join("ledger.pub"));
    if !staging.join("keys").join("serial-keys").exists() {
        // A backup without private keys: the operator's own copies must be
        // in place, or the restored platform would issue new keys and no
        // earlier code would verify.
        if data.join("keys").join("serial-keys").exists() {
            copy_dir(&data.join("keys"), &staging.join("keys"))?;
        } else if std::env::var(crate::keys::ENV).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
            bail!(
                "the backup holds no private keys: put your serial-keys, contact-aes256 and ledger-ed25519 into {}/keys first (or set ZHISU_SERIAL_KEYS, ZHISU_CONTACT_KEY, ZHISU_LEDGER_KEY), or restore a backup made with --with-private-keys",
                data.display()
            );
        }
    }
    let ledger_public = match restored_ledger_key(src, &staging) {
        Ok(key) => key,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    match verify(&staging, ledger_public).await {
        Ok((leaves, root)) => {
            if data.exists() {
                // An empty (or key-only) folder: merge into it.
                copy_dir(&staging, data)?;
                std::fs::remove_dir_all(&staging)?;
            } else {
                std::fs::rename(&staging, data)?;
            }
            Ok(format!(
                "restored into {}: {leaves} ledger leaves, root {root}, {files} files",
                data.display()
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e.context("the backup does not verify; nothing was restored"))
        }
    }
}
