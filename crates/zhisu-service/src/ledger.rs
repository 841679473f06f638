//! `zhisu ledger verify`: recompute every leaf from the records as stored
//! now, and the tree from the leaves; name the first thing that changed
//! behind the platform's back (an edited, deleted or moved row).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use zhisu_store::LeafContent;

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
    /// Checkpoints must be signed by this deployment's own ledger key.
    pub async fn verify_ledger(&self, progress: impl FnMut(u64)) -> ServiceResult<LedgerReport> {
        self.verify_ledger_against(self.ledger_signer.public_key(), progress)
            .await
    }

    /// The same walk, with checkpoints checked against the public key
    /// `ledger_public` (a backup is verified with the deployment's public
    /// key alone; its private key may stay home). The key's algorithm says
    /// the suite the leaves were hashed with (issue 16.17).
    pub async fn verify_ledger_against(
        &self,
        ledger_public: zhisu_ledger::note::PublicKey,
        mut progress: impl FnMut(u64),
    ) -> ServiceResult<LedgerReport> {
        const PAGE: i64 = 10_000;
        let suite = ledger_public.suite();
        let mut frontier = zhisu_ledger::frontier::Frontier::new(suite);
        let mut problem = None;
        let mut next = 0i64;
        // Every stored checkpoint must be signed by this deployment and
        // commit to the tree of the log's first `size` leaves.
        // What each retention purge redacted, by (record, version).
        let mut purged = std::collections::HashMap::new();
        for (_, detail) in self.store.purges().await? {
            let Ok(detail) = serde_json::from_str::<zhisu_store::PurgeDetail>(&detail) else {
                continue; // its own leaf check names it
            };
            for v in detail.versions {
                purged.insert((v.record_id, v.version), v);
            }
        }
        let checkpoints = self.store.checkpoints().await?;
        // The stored tree covers the latest checkpoint; its nodes must be
        // the ones the leaves give.
        let tree_covered = checkpoints.last().map_or(0, |c| c.0 as u64);
        let mut expected_nodes = Vec::new();
        let mut checkpoints = checkpoints.into_iter().peekable();
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
                let problem_here = match &entry.content {
                    LeafContent::Missing => Some(format!(
                        "{} 的记录已被删除 (the {} behind leaf {next} was deleted)",
                        entry.entry_ref, entry.entry_ref
                    )),
                    LeafContent::Version {
                        kind,
                        record_id,
                        version,
                        body,
                    } => {
                        let recomputed = suite
                            .leaf_hash(&zhisu_ledger::leaf_bytes(kind, *record_id, *version, body));
                        let expected_ref = format!("{kind}/{record_id}@{version}");
                        // A version a purge redacted: its leaf is the one
                        // the purge listed, its body the redacted one.
                        let was_purged = || {
                            use sha2::Digest as _;
                            purged.get(&(*record_id, *version)).is_some_and(|p| {
                                p.leaf_hash == entry.leaf_hash
                                    && p.body_sha256
                                        == hex::encode(sha2::Sha256::digest(body.as_bytes()))
                            })
                        };
                        (expected_ref != entry.entry_ref || (recomputed != stored && !was_purged())).then(|| format!(
                            "{expected_ref} 的内容与账本不符 (record {expected_ref} no longer matches leaf {next}: it was changed after it was written)"
                        ))
                    }
                    LeafContent::Capture { capture_id } => {
                        let events = self.store.capture_leaf_events(capture_id).await?;
                        let recomputed = suite.leaf_hash(&zhisu_ledger::capture_leaf_bytes(
                            suite,
                            capture_id,
                            events.iter().map(|(id, body)| (id.as_str(), body.as_str())),
                        ));
                        let expected_ref = format!("capture/{capture_id}");
                        (recomputed != stored || expected_ref != entry.entry_ref).then(|| format!(
                            "EPCIS 捕获 {expected_ref} 与账本不符 (EPCIS {expected_ref} no longer matches leaf {next}: an event was changed, added or removed after capture)"
                        ))
                    }
                    LeafContent::Purge { id, detail } => {
                        let recomputed = suite.leaf_hash(&zhisu_store::purge_leaf_bytes(detail));
                        let expected_ref = format!("purge/{id}");
                        (recomputed != stored || expected_ref != entry.entry_ref).then(|| format!(
                            "清除记录 {expected_ref} 与账本不符 (purge {expected_ref} no longer matches leaf {next}: it was changed after it was written)"
                        ))
                    }
                    LeafContent::Audit(record) => {
                        let recomputed = suite.leaf_hash(&zhisu_store::audit_leaf_bytes(record));
                        let expected_ref = format!("audit/{}", record.id);
                        (recomputed != stored || expected_ref != entry.entry_ref).then(|| format!(
                            "审计记录 {expected_ref} 与账本不符 (audit entry {expected_ref} no longer matches leaf {next}: it was changed after it was written)"
                        ))
                    }
                };
                if problem_here.is_some() {
                    problem = problem_here;
                    break;
                }
                frontier.push_with(stored, |id, hash| {
                    if id.is_stored() && id.end() <= tree_covered {
                        expected_nodes.push((id, hash));
                    }
                });
                next += 1;
                while let Some((size, root, note)) = checkpoints.peek() {
                    if *size != next {
                        break;
                    }
                    // Signed by this deployment's key, under whatever origin
                    // name the deployment had when it signed.
                    let origin = note.lines().next().unwrap_or("");
                    let verifier = zhisu_ledger::note::NoteVerifier::parse(
                        &zhisu_ledger::note::verifier_key(origin, &ledger_public),
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
            if problem.is_none() {
                problem = self.compare_nodes(&mut expected_nodes).await?;
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
            let counts = self.store.ledger_counts().await?;
            let behind =
                counts.versions + counts.ledgered_audit + counts.purges + counts.ledgered_captures
                    - next;
            if behind > 0 {
                problem = Some(format!("有 {behind} 个记录版本不在账本中 ({behind} record versions have no leaf: rows were added behind the platform's back)"));
            } else if counts.unledgered_captures > 0 {
                let n = counts.unledgered_captures;
                problem = Some(format!("有 {n} 个 EPCIS 捕获不在账本中 ({n} EPCIS captures have no leaf: rows were added behind the platform's back)"));
            } else if counts.unledgered_audit > 0 {
                let n = counts.unledgered_audit;
                problem = Some(format!("有 {n} 条审计记录不在账本中 ({n} audit entries have no leaf: rows were added behind the platform's back)"));
            }
        }
        if problem.is_none() {
            // The columns, lines and links written beside the bodies
            // (issue 16.18), once every body is known to be ledgered.
            problem = self.verify_derived_rows().await?;
        }
        Ok(LedgerReport {
            leaves: next as u64,
            root: zhisu_ledger::to_hex(&frontier.root()),
            problem,
        })
    }
}

impl Service {
    /// Compares the tree nodes the leaves gave with the stored ones, then
    /// forgets them.
    async fn compare_nodes(
        &self,
        expected: &mut Vec<(zhisu_ledger::stored::NodeId, zhisu_ledger::Hash)>,
    ) -> ServiceResult<Option<String>> {
        expected.sort_unstable_by_key(|(id, _)| *id);
        let mut problem = None;
        for level_nodes in expected.chunk_by(|a, b| a.0.level == b.0.level) {
            let (first, last) = (level_nodes[0].0, level_nodes[level_nodes.len() - 1].0);
            let stored = self
                .store
                .tree_level(first.level, first.index as i64, last.index as i64)
                .await?;
            let stored: std::collections::HashMap<u64, zhisu_ledger::Hash> = stored
                .into_iter()
                .map(|(_, idx, hash)| (idx as u64, hash))
                .collect();
            if let Some((id, _)) = level_nodes
                .iter()
                .find(|(id, hash)| stored.get(&id.index) != Some(hash))
            {
                problem = Some(format!(
                    "账本第 {}–{} 条的树节点与记录不符 (the stored tree node over leaves {}..{} does not match the leaves: the tree was edited)",
                    id.start(),
                    id.end() - 1,
                    id.start(),
                    id.end()
                ));
                break;
            }
        }
        expected.clear();
        Ok(problem)
    }
}

/// The origin of a deployment's checkpoints: its public host and `/ledger`
/// (C2SP: a schema-less name unique to the log), with `/sm` under 商用密码
/// (issue 16.17). Also the signing key's name.
pub fn ledger_origin(public_url: &str, suite: zhisu_ledger::Suite) -> String {
    let host = public_url.split("://").nth(1).unwrap_or(public_url);
    format!(
        "{}/ledger{}",
        host.trim_end_matches('/'),
        suite.origin_suffix()
    )
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
                let ok = match self.file_bytes(&sha).await {
                    Ok(Some(bytes)) => hex::encode(sha2::Sha256::digest(&bytes)) == sha,
                    Ok(None) | Err(crate::ServiceError::Internal(_)) => false,
                    Err(e) => return Err(e),
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
        let (checkpoint, size) = self.checkpoint_with_size().await?;
        let index = view.leaf_index as u64;
        if index >= size {
            return Err(crate::ServiceError::Internal(format!(
                "leaf {index} is missing"
            )));
        }
        let proof = self
            .range_hashes(&zhisu_ledger::stored::inclusion_ranges(index, size))
            .await?;
        Ok(LedgerReceipt {
            kind: kind.as_str().to_string(),
            record_id: view.id,
            version: view.version,
            leaf_index: index,
            canonical_body: zhisu_store::canonical_json(&view.body),
            checkpoint,
            proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }

    /// The hash of each leaf range, from the stored tree in O(log n) reads
    /// (two queries). The ranges must lie within the latest checkpoint.
    async fn range_hashes(&self, ranges: &[(u64, u64)]) -> ServiceResult<Vec<zhisu_ledger::Hash>> {
        use std::collections::HashMap;
        let reads = zhisu_ledger::stored::reads_for(ranges);
        let nodes: Vec<(u32, i64)> = reads
            .nodes
            .iter()
            .map(|id| (id.level, id.index as i64))
            .collect();
        let leaves: Vec<i64> = reads.leaves.iter().map(|&i| i as i64).collect();
        let (found_nodes, found_leaves) = self.store.tree_reads(&nodes, &leaves).await?;
        let nodes: HashMap<(u32, u64), zhisu_ledger::Hash> = found_nodes
            .into_iter()
            .map(|(level, idx, hash)| ((level, idx as u64), hash))
            .collect();
        let leaves: HashMap<u64, zhisu_ledger::Hash> = found_leaves
            .into_iter()
            .map(|(i, h)| Ok((i as u64, parse_hash(&h)?)))
            .collect::<ServiceResult<_>>()?;
        zhisu_ledger::stored::range_hashes(
            self.ledger_suite(),
            ranges,
            |id| nodes.get(&(id.level, id.index)).copied(),
            |i| leaves.get(&i).copied(),
        )
        .ok_or_else(|| {
            crate::ServiceError::Internal(
                "the stored tree lacks a node: run `zhisu ledger verify`".into(),
            )
        })
    }

    /// The C2SP tlog-checkpoint of the whole ledger, signed by the
    /// deployment, and stored (once per tree size) for `ledger verify`.
    pub async fn checkpoint(&self) -> ServiceResult<String> {
        Ok(self.checkpoint_with_size().await?.0)
    }

    /// Brings the stored tree up to the last leaf and returns the signed
    /// checkpoint with its tree size. Reads only the leaves added since the
    /// last call; after a restart the tree's right edge is read back from
    /// the stored nodes (O(log n)), not recomputed from every leaf.
    pub async fn checkpoint_with_size(&self) -> ServiceResult<(String, u64)> {
        const PAGE: i64 = 50_000;
        let mut guard = self.ledger_tip.lock().await;
        let tip = &mut *guard;
        if tip.frontier.is_none() {
            tip.frontier = Some(self.stored_frontier().await?);
        }
        let frontier = tip.frontier.as_mut().expect("set above");
        let start = frontier.size();
        let mut nodes = Vec::new();
        loop {
            let page = self.store.leaf_hashes(frontier.size() as i64, PAGE).await?;
            let n = page.len();
            for h in page {
                frontier.push_with(parse_hash(&h)?, |id, hash| {
                    if id.is_stored() {
                        nodes.push((id.level, id.index as i64, hash));
                    }
                });
            }
            if (n as i64) < PAGE {
                break;
            }
        }
        let size = frontier.size();
        if let Some(note) = tip.note.as_ref().filter(|_| size == start) {
            return Ok((note.clone(), size));
        }
        let root = frontier.root();
        let body = zhisu_ledger::note::checkpoint_body(&self.ledger_origin(), size, &root);
        let note = self.ledger_signer.sign(&body);
        if size > 0 {
            let stored = self
                .store
                .store_checkpoint(&nodes, size as i64, &zhisu_ledger::to_hex(&root), &note)
                .await;
            if let Err(e) = stored {
                // The nodes were not kept: start again from the stored tree.
                *tip = LedgerTip::default();
                return Err(e.into());
            }
        }
        tip.note = Some(note.clone());
        Ok((note, size))
    }

    /// The right edge of the tree of the latest stored checkpoint, read from
    /// the stored tree and checked against that checkpoint's root.
    async fn stored_frontier(&self) -> ServiceResult<zhisu_ledger::frontier::Frontier> {
        let Some((size, root, _)) = self.store.latest_checkpoint().await? else {
            return Ok(zhisu_ledger::frontier::Frontier::new(self.ledger_suite()));
        };
        let size = size as u64;
        let ranges: Vec<(u64, u64)> = zhisu_ledger::stored::blocks(0, size)
            .iter()
            .map(|b| (b.start(), b.end()))
            .collect();
        let hashes = self.range_hashes(&ranges).await?;
        let frontier =
            zhisu_ledger::frontier::Frontier::from_blocks(self.ledger_suite(), size, &hashes)
            .filter(|f| zhisu_ledger::to_hex(&f.root()) == root)
            .ok_or_else(|| {
                crate::ServiceError::Internal(format!(
                    "the stored tree does not match the checkpoint of {size} leaves: run `zhisu ledger verify`"
                ))
            })?;
        Ok(frontier)
    }

    /// The deployment's cryptographic suite: its ledger key's (issue 16.17).
    pub fn ledger_suite(&self) -> zhisu_ledger::Suite {
        self.ledger_signer.suite()
    }

    /// The verifier key that checks this deployment's checkpoints.
    pub fn ledger_verifier_key(&self) -> String {
        self.ledger_signer.verifier_key()
    }

    /// The origin line of this deployment's checkpoints.
    pub fn ledger_origin(&self) -> String {
        ledger_origin(&self.settings.public_url, self.ledger_suite())
    }

    fn bad_size(message: String) -> crate::ServiceError {
        crate::ServiceError::BadRequest(message)
    }

    /// The size of the stored tree, caught up with the log only when `want`
    /// is beyond what the checkpointer has already seen.
    async fn tree_size_for(&self, want: u64) -> ServiceResult<u64> {
        let seen = {
            let tip = self.ledger_tip.lock().await;
            tip.note
                .as_ref()
                .and(tip.frontier.as_ref())
                .map_or(0, |f| f.size())
        };
        if want <= seen {
            return Ok(seen);
        }
        Ok(self.checkpoint_with_size().await?.1)
    }

    /// RFC 9162 inclusion proof of leaf `index` in the tree of `tree_size` leaves.
    pub async fn inclusion_proof(&self, index: u64, tree_size: u64) -> ServiceResult<ProofView> {
        let size = self.tree_size_for(tree_size).await?;
        if tree_size == 0 || tree_size > size || index >= tree_size {
            return Err(Self::bad_size(format!(
                "须 index < tree_size ≤ {size} (need index < tree_size ≤ {size})"
            )));
        }
        let proof = self
            .range_hashes(&zhisu_ledger::stored::inclusion_ranges(index, tree_size))
            .await?;
        Ok(ProofView {
            tree_size,
            from: index,
            hashes: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }

    /// RFC 9162 consistency proof from the tree of `first` leaves to that of `second`.
    pub async fn consistency_proof(&self, first: u64, second: u64) -> ServiceResult<ProofView> {
        let size = self.tree_size_for(second).await?;
        if first == 0 || first > second || second > size {
            return Err(Self::bad_size(format!(
                "须 0 < first ≤ second ≤ {size} (need 0 < first ≤ second ≤ {size})"
            )));
        }
        let proof = self
            .range_hashes(&zhisu_ledger::stored::consistency_ranges(first, second))
            .await?;
        Ok(ProofView {
            tree_size: second,
            from: first,
            hashes: proof.iter().map(|h| STANDARD.encode(h)).collect(),
        })
    }
}

/// The tree as the checkpointer last saw it, and the note it signed.
#[derive(Debug, Default)]
pub struct LedgerTip {
    frontier: Option<zhisu_ledger::frontier::Frontier>,
    note: Option<String>,
}

fn parse_hash(hex_hash: &str) -> ServiceResult<zhisu_ledger::Hash> {
    hex::decode(hex_hash)
        .ok()
        .and_then(|b| <zhisu_ledger::Hash>::try_from(b).ok())
        .ok_or_else(|| crate::ServiceError::Internal(format!("malformed leaf hash {hex_hash}")))
}
