//! Which cryptography a deployment uses (issue 16.17): chosen once, when
//! its keys are made (`crypto = "sm"` in the settings, `--crypto sm` or
//! `ZHISU_CRYPTO=sm`), and recorded in `DATA/keys/crypto-suite`. A data
//! folder whose keys predate the choice is `standard`. Asking a deployment
//! for the other suite later is refused: its ledger is hashed and signed
//! with the one it was created with.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use zhisu_ledger::Suite;

fn path(data: &Path) -> PathBuf {
    data.join("keys").join("crypto-suite")
}

/// The suite recorded in `data`, if any key has been made there.
pub fn recorded(data: &Path) -> anyhow::Result<Option<Suite>> {
    let file = path(data);
    if file.exists() {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        return Suite::parse(&text).map(Some).with_context(|| {
            format!(
                "{}: {text:?} is not a suite (standard or sm)",
                file.display()
            )
        });
    }
    // Keys made before the choice existed are the standard suite's.
    let legacy = ["ledger-ed25519", "contact-aes256"]
        .iter()
        .any(|f| data.join("keys").join(f).exists());
    Ok(legacy.then_some(Suite::Standard))
}

/// The deployment's suite: the recorded one (refusing another asked
/// for), or for a new deployment the one asked for, recorded now.
pub fn choose(data: &Path, asked: Option<Suite>) -> anyhow::Result<Suite> {
    if let Some(recorded) = recorded(data)? {
        if let Some(asked) = asked.filter(|a| *a != recorded) {
            bail!(
                "这个部署创建时使用 {} 密码套件，不能改为 {}：账本已按它散列和签名 (this deployment was created with the {} suite, not {}: its ledger is hashed and signed with it; the suite is chosen once, when a deployment is created)",
                recorded.as_str(),
                asked.as_str(),
                recorded.as_str(),
                asked.as_str()
            );
        }
        return Ok(recorded);
    }
    let suite = asked.unwrap_or_default();
    let file = path(data);
    std::fs::create_dir_all(data.join("keys"))
        .with_context(|| format!("creating {}", data.join("keys").display()))?;
    std::fs::write(&file, format!("{}\n", suite.as_str()))
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recorded(dir.path()).unwrap(), None);
        assert_eq!(choose(dir.path(), Some(Suite::Sm)).unwrap(), Suite::Sm);
        assert_eq!(choose(dir.path(), None).unwrap(), Suite::Sm);
        let refused = choose(dir.path(), Some(Suite::Standard)).unwrap_err();
        assert!(refused.to_string().contains("created with the sm suite"));

        let legacy = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(legacy.path().join("keys")).unwrap();
        std::fs::write(legacy.path().join("keys/ledger-ed25519"), "00").unwrap();
        assert_eq!(recorded(legacy.path()).unwrap(), Some(Suite::Standard));
        assert!(choose(legacy.path(), Some(Suite::Sm)).is_err());
    }
}
