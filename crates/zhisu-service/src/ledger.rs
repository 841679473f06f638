//! `zhisu ledger verify`: recompute every leaf from the records as stored
//! now, and the tree from the leaves; name the first thing that changed
//! behind the platform's back (an edited, deleted or moved row).

use serde::Serialize;

use crate::{Service, ServiceResult};

#[derive(Debug, Clone, Serialize)]
pub struct LedgerReport {
    pub leaves: u64,
    /// RFC 9162 root of all leaves, hex.
    pub root: String,
    /// The first problem found, naming the record; None when all is intact.
    pub problem: Option<String>,
}

impl Service {
    /// Walks the ledger in pages; `progress(done)` is called after each.
    pub async fn verify_ledger(
        &self,
        mut progress: impl FnMut(u64),
    ) -> ServiceResult<LedgerReport> {
        const PAGE: i64 = 10_000;
        let mut hashes: Vec<zhisu_ledger::Hash> = Vec::new();
        let mut problem = None;
        let mut next = 0i64;
        loop {
            let page = self.store.ledger_entries(next, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for entry in &page {
                if problem.is_some() {
                    break;
                }
                if entry.leaf_index != next {
                    problem = Some(format!("账本第 {next} 条缺失 (leaf {next} is missing: the log was truncated or a row deleted)"));
                    break;
                }
                let stored = hex::decode(&entry.leaf_hash)
                    .ok()
                    .and_then(|b| <zhisu_ledger::Hash>::try_from(b).ok());
                let Some(stored) = stored else {
                    problem = Some(format!(
                        "账本第 {next} 条的哈希损坏 (leaf {next} has a malformed hash)"
                    ));
                    break;
                };
                match &entry.version {
                    None => {
                        problem = Some(format!(
                        "{} 的记录已被删除 (the record version {} behind leaf {next} was deleted)",
                        entry.entry_ref, entry.entry_ref
                    ))
                    }
                    Some((kind, id, version, body)) => {
                        let recomputed = zhisu_ledger::leaf_hash(&zhisu_ledger::leaf_bytes(
                            kind, *id, *version, body,
                        ));
                        let expected_ref = format!("{kind}/{id}@{version}");
                        if recomputed != stored || expected_ref != entry.entry_ref {
                            problem = Some(format!(
                                "{expected_ref} 的内容与账本不符 (record {expected_ref} no longer matches leaf {next}: it was changed after it was written)"
                            ));
                        }
                    }
                }
                hashes.push(stored);
                next += 1;
            }
            progress(next as u64);
            if problem.is_some() {
                break;
            }
        }
        if problem.is_none() {
            let versions = self.store.count_versions().await?;
            if versions != next {
                problem = Some(format!("有 {} 个记录版本不在账本中 ({} record versions have no leaf: rows were added behind the platform's back)", versions - next, versions - next));
            }
        }
        Ok(LedgerReport {
            leaves: next as u64,
            root: zhisu_ledger::to_hex(&zhisu_ledger::tree_hash(&hashes)),
            problem,
        })
    }
}
