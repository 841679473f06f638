//! `zhisu ledger watch URL`: a witness of another deployment's ledger. It
//! polls the signed checkpoint, checks the signature with a pinned key, and
//! demands a consistency proof from the last checkpoint it saw: a log that
//! shrank, forked (split view) or was rewritten raises an alarm.

use std::path::Path;

use anyhow::{bail, Context};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zhisu_ledger::note::{parse_checkpoint, NoteVerifier};

/// What the witness remembers between polls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WitnessState {
    /// The deployment's verifier key, pinned at the first poll.
    pub key: String,
    pub size: u64,
    /// Base64 root hash at `size`.
    pub root: String,
    /// The last checkpoint seen, as signed.
    pub checkpoint: String,
}

/// The outcome of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// The log grew (or stayed) consistently.
    Consistent { size: u64 },
    /// The log contradicts what was seen before.
    Alarm(String),
}

async fn text(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let r = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    if !r.status().is_success() {
        bail!("{url} answered {}", r.status());
    }
    Ok(r.text().await?)
}

/// One poll of `base` (the deployment's URL), given what was seen before.
pub async fn poll(
    client: &reqwest::Client,
    base: &str,
    state: Option<WitnessState>,
    key: Option<String>,
) -> anyhow::Result<(Poll, WitnessState)> {
    let base = base.trim_end_matches('/');
    let key = match (key, &state) {
        (Some(k), _) => k.trim().to_string(),
        (None, Some(s)) => s.key.clone(),
        (None, None) => text(client, &format!("{base}/ledger/key"))
            .await?
            .trim()
            .to_string(),
    };
    let verifier =
        NoteVerifier::parse(&key).map_err(|e| anyhow::anyhow!("the key is not valid: {e}"))?;
    // The pinned key's algorithm says the suite (issue 16.17: SM2 keys
    // sign SM3 trees).
    let suite = verifier.suite();
    let checkpoint = text(client, &format!("{base}/ledger/checkpoint")).await?;
    let Ok(body) = verifier.open(&checkpoint) else {
        let old = state.unwrap_or(WitnessState {
            key: key.clone(),
            size: 0,
            root: String::new(),
            checkpoint: String::new(),
        });
        return Ok((
            Poll::Alarm("the checkpoint is not signed by the pinned key".into()),
            old,
        ));
    };
    let (_, size, root) =
        parse_checkpoint(body).map_err(|e| anyhow::anyhow!("malformed checkpoint: {e}"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let new_state = WitnessState {
        key: key.clone(),
        size,
        root: b64.encode(root),
        checkpoint: checkpoint.clone(),
    };
    let Some(old) = state else {
        return Ok((Poll::Consistent { size }, new_state));
    };
    let old_root: zhisu_ledger::Hash = b64
        .decode(&old.root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("the saved root is not a hash")?;
    let alarm = |why: String| Ok((Poll::Alarm(why), old.clone()));
    if size < old.size {
        return alarm(format!("the log shrank from {} to {size} leaves", old.size));
    }
    if size == old.size {
        return if root == old_root {
            Ok((Poll::Consistent { size }, new_state))
        } else {
            alarm(format!(
                "two different trees of {size} leaves were signed: a split view"
            ))
        };
    }
    if old.size == 0 {
        return Ok((Poll::Consistent { size }, new_state));
    }
    let proof: serde_json::Value = serde_json::from_str(
        &text(
            client,
            &format!(
                "{base}/ledger/proof/consistency?first={}&second={size}",
                old.size
            ),
        )
        .await?,
    )
    .context("the consistency proof is not JSON")?;
    let hashes: Vec<zhisu_ledger::Hash> = proof["hashes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str())
        .filter_map(|h| b64.decode(h).ok())
        .filter_map(|b| b.try_into().ok())
        .collect();
    if zhisu_ledger::verify_consistency(suite, old.size, size, &old_root, &root, &hashes) {
        Ok((Poll::Consistent { size }, new_state))
    } else {
        alarm(format!(
            "the tree of {size} leaves does not extend the tree of {} leaves seen before: the log was rewritten",
            old.size
        ))
    }
}

pub fn load(path: &Path) -> anyhow::Result<Option<WitnessState>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

pub fn save(path: &Path, state: &WitnessState) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(state)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
