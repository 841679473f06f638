//! Identical servers on one database share the deployment's keys (issue
//! 20): a server holding other keys would issue codes, sign checkpoints
//! and seal contacts that the others cannot verify or open. The first
//! server to start records each key's fingerprint in the database (a
//! one-way hash; of the ledger key, its public half); a server started
//! with another key of a recorded name, or without a recorded key, is
//! refused at start, saying which and how keys are shared.

use sha2::{Digest, Sha256};
use zhisu_ledger::Suite;
use zhisu_service::ContactKey;
use zhisu_store::Store;

/// A key's fingerprint: 32 hex digits of SHA-256 over its name and bytes.
fn fingerprint(name: &str, bytes: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(format!("zhisu key fingerprint\n{name}\n"));
    hash.update(bytes);
    hex::encode(&hash.finalize()[..16])
}

/// This server's keys as (name, fingerprint): each serial key version,
/// the ledger's public key and the contact key, named as their files.
pub fn fingerprints(
    serial: &[(u8, [u8; 16])],
    ledger_public: &[u8],
    contact: &ContactKey,
    suite: Suite,
) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = serial
        .iter()
        .map(|(version, key)| {
            let name = format!("serial-key-{version}");
            let print = fingerprint(&name, key);
            (name, print)
        })
        .collect();
    let ledger = crate::keys::ledger_file(suite).to_string();
    keys.push((ledger.clone(), fingerprint(&ledger, ledger_public)));
    let contact_name = crate::keys::contact_file(suite).to_string();
    let contact_bytes: &[u8] = match contact {
        ContactKey::Aes256(k) => k,
        ContactKey::Sm4(k) => k,
    };
    keys.push((
        contact_name.clone(),
        fingerprint(&contact_name, contact_bytes),
    ));
    keys
}

/// What differs between this server's keys and those recorded: a key of
/// a recorded name that is another, and a recorded key this server lacks.
/// Keys only this server holds (a serial key added by rotation) differ in
/// nothing: they are recorded once this server starts.
pub fn differences(here: &[(String, String)], recorded: &[(String, String)]) -> Vec<Difference> {
    recorded
        .iter()
        .filter_map(|(name, print)| match here.iter().find(|(n, _)| n == name) {
            Some((_, own)) if own == print => None,
            Some(_) => Some(Difference::Other(name.clone())),
            None => Some(Difference::Missing(name.clone())),
        })
        .collect()
}

/// How one of this server's keys differs from the database's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// This server holds another key of that name.
    Other(String),
    /// This server lacks a key recorded.
    Missing(String),
}

impl Difference {
    fn zh(&self) -> String {
        match self {
            Difference::Other(name) => format!("{name} 不同"),
            Difference::Missing(name) => format!("缺少 {name}"),
        }
    }

    fn en(&self) -> String {
        match self {
            Difference::Other(name) => format!("{name} differs"),
            Difference::Missing(name) => format!("{name} is missing here"),
        }
    }
}

/// Refuses a server whose keys are not the deployment's; records the
/// keys of the first server (and a key added since).
pub async fn check(store: &dyn Store, here: &[(String, String)]) -> anyhow::Result<()> {
    let refuse = |differ: Vec<Difference>| {
        let zh: Vec<String> = differ.iter().map(Difference::zh).collect();
        let en: Vec<String> = differ.iter().map(Difference::en).collect();
        anyhow::anyhow!(
            "本服务器的密钥与数据库登记的不一致：{}。同一数据库上的每台服务器须使用同一套密钥：ZHISU_SERIAL_KEYS、ZHISU_LEDGER_KEY、ZHISU_CONTACT_KEY 环境变量，或同一个 keys 文件夹 (this server's keys are not the ones the database was set up with: {}. Every server on one database must hold the same keys: the ZHISU_SERIAL_KEYS, ZHISU_LEDGER_KEY and ZHISU_CONTACT_KEY variables, or one keys folder)",
            zh.join("；"),
            en.join("; ")
        )
    };
    let recorded = store.key_fingerprints().await?;
    let differ = differences(here, &recorded);
    if !differ.is_empty() {
        return Err(refuse(differ));
    }
    // Every key here recorded already: nothing to write. A reading command
    // (`ledger verify`) beside a running server must not wait for the
    // write lock the server may hold.
    if here
        .iter()
        .all(|(name, _)| recorded.iter().any(|(r, _)| r == name))
    {
        return Ok(());
    }
    // Two first servers starting at once: the first to record a name wins
    // and the other is refused here.
    let differ = differences(here, &store.record_key_fingerprints(here).await?);
    if !differ.is_empty() {
        return Err(refuse(differ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_its_own_is_no_difference_but_another_or_a_missing_one_is() {
        let contact = ContactKey::Aes256([7; 32]);
        let first = fingerprints(&[(0, [1; 16])], &[2; 32], &contact, Suite::Standard);
        assert_eq!(
            first.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["serial-key-0", "ledger-ed25519", "contact-aes256"]
        );
        assert!(differences(&first, &first).is_empty());
        // A rotated key: recorded when its server starts, no difference.
        let rotated = fingerprints(
            &[(0, [1; 16]), (1, [3; 16])],
            &[2; 32],
            &contact,
            Suite::Standard,
        );
        assert!(differences(&rotated, &first).is_empty());
        // …but a server without it is refused once it is recorded.
        assert_eq!(
            differences(&first, &rotated),
            [Difference::Missing("serial-key-1".into())]
        );
        let other = fingerprints(&[(0, [9; 16])], &[2; 32], &contact, Suite::Standard);
        assert_eq!(
            differences(&other, &first),
            [Difference::Other("serial-key-0".into())]
        );
        // The fingerprint is not the key.
        assert!(!first[0].1.contains(&hex::encode([1u8; 16])));
    }
}
