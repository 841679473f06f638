//! The deployment's serial keys: kept outside the database, in
//! `DATA/keys/serial-keys` (created on first start, readable by the owner
//! only) or given as `ZHISU_SERIAL_KEYS=0:HEX,1:HEX` where several
//! instances must share them. One line per key: `VERSION HEX`; the highest
//! version issues new serials and every version verifies.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rand::RngCore;
use zhisu_codes::serial::{SerialCodec, SerialKey};
use zhisu_ledger::Suite;

pub const ENV: &str = "ZHISU_SERIAL_KEYS";

pub fn path(data: &Path) -> PathBuf {
    data.join("keys").join("serial-keys")
}

fn parse(text: &str, source: &str) -> anyhow::Result<Vec<(u8, [u8; 16])>> {
    let mut keys = Vec::new();
    for (n, line) in text
        .split([',', '\n'])
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
    {
        let (version, hex_key) = line
            .split_once([' ', ':'])
            .with_context(|| format!("{source}: entry {} is not 'VERSION HEX'", n + 1))?;
        let version: u8 = version
            .trim()
            .parse()
            .with_context(|| format!("{source}: bad version '{version}'"))?;
        let bytes = hex::decode(hex_key.trim())
            .with_context(|| format!("{source}: key {version} is not hex"))?;
        let key: [u8; 16] = bytes.try_into().map_err(|_| {
            anyhow::anyhow!("{source}: key {version} must be 16 bytes (32 hex digits)")
        })?;
        if version >= 32 {
            bail!("{source}: versions go from 0 to 31");
        }
        keys.push((version, key));
    }
    if keys.is_empty() {
        bail!("{source}: no keys");
    }
    Ok(keys)
}

pub(crate) fn codec(keys: Vec<(u8, [u8; 16])>) -> anyhow::Result<SerialCodec> {
    let keys = keys
        .into_iter()
        .map(|(v, k)| SerialKey::new(v, k).expect("version checked"))
        .collect();
    SerialCodec::new(keys).map_err(|e| anyhow::anyhow!("{e}"))
}

fn write_new(path: &Path, lines: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(path.parent().expect("keys folder"))
        .with_context(|| format!("creating {}", path.display()))?;
    let tmp = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(lines.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn random_key() -> String {
    let mut key = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    hex::encode(key)
}

/// The keys from the environment, else from the data folder (created with
/// a fresh random key when missing).
pub fn load_or_create(data: &Path) -> anyhow::Result<SerialCodec> {
    codec(serial_keys(data)?)
}

/// Each serial key's version and bytes, from the environment, else from
/// the data folder (created with a fresh random key when missing).
pub(crate) fn serial_keys(data: &Path) -> anyhow::Result<Vec<(u8, [u8; 16])>> {
    if let Ok(value) = std::env::var(ENV) {
        return parse(&value, ENV);
    }
    let path = path(data);
    if !path.exists() {
        write_new(&path, &format!("# zhisu serial keys: VERSION HEX. Back this file up; codes cannot be verified without it.\n0 {}\n", random_key()))?;
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// Adds a key with the next version; old codes keep verifying. Returns the new version.
pub fn rotate(data: &Path) -> anyhow::Result<u8> {
    if std::env::var(ENV).is_ok() {
        bail!("{ENV} is set: rotate the keys where it is managed");
    }
    load_or_create(data)?;
    let path = path(data);
    let text = std::fs::read_to_string(&path)?;
    let next = parse(&text, "keys")?
        .iter()
        .map(|(v, _)| *v)
        .max()
        .unwrap_or(0)
        + 1;
    if next >= 32 {
        bail!("all 32 key versions are used");
    }
    write_new(&path, &format!("{text}{next} {}\n", random_key()))?;
    Ok(next)
}

/// The key files a read-only check needs that are neither in `data/keys`
/// nor given in the environment (`zhisu ledger verify` creates none).
pub fn missing_for_verify(data: &Path, suite: Suite) -> Vec<&'static str> {
    let keys = data.join("keys");
    [
        (ENV, "serial-keys"),
        ("ZHISU_LEDGER_KEY", ledger_file(suite)),
        ("ZHISU_CONTACT_KEY", contact_file(suite)),
    ]
    .into_iter()
    .filter(|(env, file)| std::env::var_os(env).is_none() && !keys.join(file).exists())
    .map(|(_, file)| file)
    .collect()
}

pub(crate) fn ledger_file(suite: Suite) -> &'static str {
    match suite {
        Suite::Standard => "ledger-ed25519",
        Suite::Sm => "ledger-sm2",
    }
}

pub(crate) fn contact_file(suite: Suite) -> &'static str {
    match suite {
        Suite::Standard => "contact-aes256",
        Suite::Sm => "contact-sm4",
    }
}

/// A key from `env` (hex) or `DATA/keys/FILE`, made by `make` on first
/// start; `what` names it in errors.
fn secret<const N: usize>(
    data: &Path,
    env: &str,
    file: &str,
    what: &str,
    make: impl Fn() -> [u8; N],
) -> anyhow::Result<[u8; N]> {
    let hex_key = match std::env::var(env) {
        Ok(v) => v,
        Err(_) => {
            let path = data.join("keys").join(file);
            if !path.exists() {
                write_new(&path, &format!("{}\n", hex::encode(make())))?;
            }
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
        }
    };
    hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("the {what} must be {N} bytes ({} hex digits)", 2 * N))
}

fn random<const N: usize>() -> [u8; N] {
    let mut secret = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The ledger's checkpoint signing key: `ZHISU_LEDGER_KEY` (64 hex digits)
/// or `DATA/keys/ledger-ed25519` (`ledger-sm2` under 商用密码), created on
/// first start. Its name is the checkpoint origin. The private key never
/// leaves this file.
pub fn ledger_signer(
    data: &Path,
    origin: &str,
    suite: Suite,
) -> anyhow::Result<zhisu_ledger::note::NoteSigner> {
    match suite {
        Suite::Standard => {
            let secret = secret(
                data,
                "ZHISU_LEDGER_KEY",
                ledger_file(suite),
                "ledger key",
                random,
            )?;
            Ok(zhisu_ledger::note::NoteSigner::new(origin, secret))
        }
        Suite::Sm => {
            // An SM2 private key is a scalar in 1..n: draw until one is.
            let make = || loop {
                let candidate = random();
                if zhisu_ledger::note::NoteSigner::sm2("probe", candidate).is_ok() {
                    return candidate;
                }
            };
            let secret = secret(
                data,
                "ZHISU_LEDGER_KEY",
                ledger_file(suite),
                "ledger key",
                make,
            )?;
            zhisu_ledger::note::NoteSigner::sm2(origin, secret)
                .map_err(|_| anyhow::anyhow!("the SM2 ledger key is not a valid private key"))
        }
    }
}

/// The key that seals private contact data at rest (AES-256-GCM, or
/// SM4-GCM under 商用密码): `ZHISU_CONTACT_KEY` or
/// `DATA/keys/contact-aes256` (`contact-sm4`), created on first start.
/// Lose it and sealed contacts cannot be read.
pub fn contact_key(data: &Path, suite: Suite) -> anyhow::Result<zhisu_service::ContactKey> {
    let file = contact_file(suite);
    Ok(match suite {
        Suite::Standard => zhisu_service::ContactKey::Aes256(secret(
            data,
            "ZHISU_CONTACT_KEY",
            file,
            "contact key",
            random,
        )?),
        Suite::Sm => zhisu_service::ContactKey::Sm4(secret(
            data,
            "ZHISU_CONTACT_KEY",
            file,
            "contact key",
            random,
        )?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_rotated_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let serial = first.encode(7, 42).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            load_or_create(dir.path()).unwrap().decode(&serial),
            Some((7, 42)),
            "the same key on restart"
        );
        assert_eq!(rotate(dir.path()).unwrap(), 1);
        let rotated = load_or_create(dir.path()).unwrap();
        assert!(rotated.encode(7, 42).unwrap().starts_with('1'));
        assert_eq!(
            rotated.decode(&serial),
            Some((7, 42)),
            "old codes still verify"
        );
        assert!(parse("0 abcd", "t").is_err());
        assert!(parse("40 00000000000000000000000000000000", "t").is_err());
        assert_eq!(
            parse(
                "0:00000000000000000000000000000000,1:11111111111111111111111111111111",
                "t"
            )
            .unwrap()
            .len(),
            2
        );
    }
}
