//! `zhisu ledger verify`: recompute every leaf from the records as stored
//! now, and the tree from the leaves; name the first thing that changed
//! behind the platform's back (an edited, deleted or moved row).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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
        let mut frontier = zhisu_ledger::frontier::Frontier::default();
        let mut problem = None;
        let mut next = 0i64;
        // Every stored checkpoint must be signed by this deployment and
        // commit to the tree of the log's first `size` leaves.
        let mut checkpoints = self.store.checkpoints().await?.into_iter().peekable();
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
                frontier.push(stored);
                next += 1;
                while let Some((size, root, note)) = checkpoints.peek() {
                    if *size != next {
                        break;
                    }
                    // Signed by this deployment's key, under whatever origin
                    // name the deployment had when it signed.
                    let origin = note.lines().next().unwrap_or("");
                    let verifier = zhisu_ledger::note::NoteVerifier::parse(
                        &self.ledger_signer.verifier_key_named(origin),
                    )
                    .ok();
                    let signed = verifier
                        .as_ref()
                        .and_then(|v| v.open(note).ok())
                        .and_then(|text| zhisu_ledger::note::parse_checkpoint(text).ok())
                        .is_some_and(|(_, s, r)| {
                            s == *size as u64 && zhisu_ledger::to_hex(&r) == *root
                        });
                    if !signed {
                        problem = Some(format!("大小为 {size} 的检查点签名无效 (the checkpoint of size {size} is not validly signed by this deployment)"));
                    } else if zhisu_ledger::to_hex(&frontier.root()) != *root {
                        problem = Some(format!("账本前 {size} 条与已签名的检查点不符 (the first {size} leaves no longer match the checkpoint signed for them: the log was rewritten)"));
                    }
                    checkpoints.next();
                }
                if problem.is_some() {
                    break;
                }
            }
            progress(next as u64);
            if problem.is_some() {
                break;
            }
        }
        if problem.is_none() {
            if let Some((size, _, _)) = checkpoints.next() {
                problem = Some(format!("已签名大小为 {size} 的检查点，但账本只有 {next} 条 (a checkpoint of {size} leaves was signed but the log has only {next}: it was truncated)"));
            }
        }
        if problem.is_none() {
            problem = self.verify_files().await?;
        }
        if problem.is_none() {
            let versions = self.store.count_versions().await?;
            if versions != next {
                problem = Some(format!("有 {} 个记录版本不在账本中 ({} record versions have no leaf: rows were added behind the platform's back)", versions - next, versions - next));
            }
        }
        Ok(LedgerReport {
            leaves: next as u64,
            root: zhisu_ledger::to_hex(&frontier.root()),
            problem,
        })
    }
}

/// The origin of a deployment's checkpoints: its public host and `/ledger`
/// (C2SP: a schema-less name unique to the log). Also the signing key's name.
pub fn ledger_origin(public_url: &str) -> String {
    let host = public_url.split("://").nth(1).unwrap_or(public_url);
    format!("{}/ledger", host.trim_end_matches('/'))
}

/// A proof as served: base64 hashes, RFC 9162 order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProofView {
    pub tree_size: u64,
    /// Inclusion proofs: the leaf's index; consistency proofs: the older size.
    pub from: u64,
    pub hashes: Vec<String>,
}

/// Everything needed to check one record version offline with only the
/// deployment's public key (`zhisu ledger verify-proof`, docs/ledger.md).
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LedgerReceipt {
    pub kind: String,
    pub record_id: i64,
    pub version: i64,
    pub leaf_index: u64,
    /// The version's canonical JSON: exactly the bytes that were hashed.
    pub canonical_body: String,
    /// The signed C2SP checkpoint the proof is against.
    pub checkpoint: String,
    /// RFC 9162 inclusion proof, base64 hashes.
    pub proof: Vec<String>,
}

impl Service {
    /// Every stored file must still hash to its address: records name files
    /// by SHA-256, so a replaced licence or report is a changed record.
    async fn verify_files(&self) -> ServiceResult<Option<String>> {
        use sha2::Digest as _;
        let mut after = String::new();
        loop {
            let page = self.store.blob_hashes(&after, 1000).await?;
            let Some(last) = page.last().cloned() else {
                return Ok(None);
            };
            for sha in page {
                let ok = match tokio::fs::read(self.blobs.path(&sha)).await {
                    Ok(bytes) => hex::encode(sha2::Sha256::digest(&bytes)) == sha,
                    Err(_) => false,
                };
                if !ok {
                    return Ok(Some(format!("文件 {sha} 已被替换或删除 (file {sha} was replaced or deleted: its content no longer has that hash)")));
                }
            }
            after = last;
        }
    }

    /// A receipt for the current version of a record the caller may read.
    pub async fn ledger_receipt(
        &self,
        by: &zhisu_domain::Principal,
        kind: zhisu_domain::RecordKind,
        id: i64,
    ) -> ServiceResult<LedgerReceipt> {
        let view = self.read_record(by, kind, id).await?;
        let leaves = self.all_leaf_hashes().await?;
        let index = view.leaf_index as u64;
        if index >= leaves.len() as u64 {
            return Err(crate::ServiceError::Internal(format!(
                "leaf {index} is missing"
            )));
        }
        let body = zhisu_ledger::note::checkpoint_body(
            &self.ledger_origin(),
            leaves.len() as u64,
            &zhisu_ledger::tree_hash(&leaves),
        );
        let proof = zhisu_ledger::inclusion_proof(index as usize, &leaves);
        Ok(LedgerReceipt {
            kind: kind.as_str().to_string(),
            record_id: view.id,
            version: view.version,
            leaf_index: index,
            canonical_body: zhisu_store::canonical_json(&view.body),
            checkpoint: self.ledger_signer.sign(&body),
            proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }

    /// Every leaf hash, in order (O(n): the tree frontier is not cached yet).
    async fn all_leaf_hashes(&self) -> ServiceResult<Vec<zhisu_ledger::Hash>> {
        const PAGE: i64 = 50_000;
        let mut out = Vec::new();
        loop {
            let page = self.store.leaf_hashes(out.len() as i64, PAGE).await?;
            let n = page.len();
            for h in page {
                let hash = hex::decode(&h)
                    .ok()
                    .and_then(|b| <zhisu_ledger::Hash>::try_from(b).ok());
                out.push(hash.ok_or_else(|| {
                    crate::ServiceError::Internal(format!("malformed leaf hash {h}"))
                })?);
            }
            if (n as i64) < PAGE {
                return Ok(out);
            }
        }
    }

    /// The C2SP tlog-checkpoint of the whole ledger, signed by the
    /// deployment, and stored (once per tree size) for `ledger verify`.
    /// Reads only the leaves added since the last call.
    pub async fn checkpoint(&self) -> ServiceResult<String> {
        const PAGE: i64 = 50_000;
        let mut tip = self.ledger_tip.lock().await;
        loop {
            let page = self.store.leaf_hashes(tip.size() as i64, PAGE).await?;
            let n = page.len();
            for h in page {
                let hash = hex::decode(&h)
                    .ok()
                    .and_then(|b| <zhisu_ledger::Hash>::try_from(b).ok())
                    .ok_or_else(|| {
                        crate::ServiceError::Internal(format!("malformed leaf hash {h}"))
                    })?;
                tip.push(hash);
            }
            if (n as i64) < PAGE {
                break;
            }
        }
        let root = tip.root();
        let body = zhisu_ledger::note::checkpoint_body(&self.ledger_origin(), tip.size(), &root);
        let note = self.ledger_signer.sign(&body);
        if tip.size() > 0 {
            self.store
                .store_checkpoint(tip.size() as i64, &zhisu_ledger::to_hex(&root), &note)
                .await?;
        }
        Ok(note)
    }

    /// The verifier key that checks this deployment's checkpoints.
    pub fn ledger_verifier_key(&self) -> String {
        self.ledger_signer.verifier_key()
    }

    /// The origin line of this deployment's checkpoints.
    pub fn ledger_origin(&self) -> String {
        ledger_origin(&self.settings.public_url)
    }

    fn bad_size(message: String) -> crate::ServiceError {
        crate::ServiceError::BadRequest(message)
    }

    /// RFC 9162 inclusion proof of leaf `index` in the tree of `tree_size` leaves.
    pub async fn inclusion_proof(&self, index: u64, tree_size: u64) -> ServiceResult<ProofView> {
        let leaves = self.all_leaf_hashes().await?;
        if tree_size == 0 || tree_size > leaves.len() as u64 || index >= tree_size {
            return Err(Self::bad_size(format!(
                "须 index < tree_size ≤ {} (need index < tree_size ≤ {})",
                leaves.len(),
                leaves.len()
            )));
        }
        let proof = zhisu_ledger::inclusion_proof(index as usize, &leaves[..tree_size as usize]);
        Ok(ProofView {
            tree_size,
            from: index,
            hashes: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }

    /// RFC 9162 consistency proof from the tree of `first` leaves to that of `second`.
    pub async fn consistency_proof(&self, first: u64, second: u64) -> ServiceResult<ProofView> {
        let leaves = self.all_leaf_hashes().await?;
        if first == 0 || first > second || second > leaves.len() as u64 {
            return Err(Self::bad_size(format!(
                "须 0 < first ≤ second ≤ {} (need 0 < first ≤ second ≤ {})",
                leaves.len(),
                leaves.len()
            )));
        }
        let proof = zhisu_ledger::consistency_proof(first as usize, &leaves[..second as usize]);
        Ok(ProofView {
            tree_size: second,
            from: first,
            hashes: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }
}
