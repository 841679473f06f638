//! Verification sweeps (V5-auto, issue 17.2): every rule of the catalogue
//! over the stored records, full or incremental, and the findings kept.
//!
//! A full sweep reads every enterprise, product, batch, flow and register
//! (`sweep_snapshot.rs`: on SQLite each core reads and parses pages of its
//! own in place) and meanwhile looks at the files they reference
//! (`file_checks.rs`). An incremental
//! sweep reads the records changed since the last sweep's mark, the
//! records that share a key with them as they are or were (those are the
//! ones it judges), and what those read in turn
//! (`zhisu_domain::verification::Keys` says which keys, and its test keeps
//! them in step with the rules). A sweep is incremental only when a full
//! sweep ran today (Asia/Shanghai) under the same catalogue and settings,
//! no register changed since, and the changes are few: rules that judge
//! by the day, the registers or the alerts see every record once a day.

use std::collections::BTreeSet;

use chrono::Utc;
use zhisu_domain::verification::{self, catalogue, Keys, Snapshot};
use zhisu_domain::{Principal, RecordKind, Role};
use zhisu_store::{format_time, NewFinding, NewSweep, SweepRow};

use crate::sweep_snapshot::{self, add, parse_all, Parsed};
use crate::verification::new_finding;
use crate::{Service, ServiceError, ServiceResult};

/// Past this many changed records, a full sweep costs little more.
const MOST_CHANGES: i64 = 50_000;

/// Which sweep to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMode {
    /// Incremental when it may be, else full.
    Auto,
    Full,
}

/// The keys a changed record holds (or held) in a body.
fn keys_of(kind: RecordKind, id: i64, body: &str, keys: &mut Keys) {
    match kind {
        RecordKind::Enterprise => {
            if let Ok(e) = serde_json::from_str(body) {
                keys.add_enterprise(id, &e);
            }
        }
        RecordKind::Product => {
            if let Ok(p) = serde_json::from_str(body) {
                keys.add_product(&p);
            }
        }
        RecordKind::Batch => {
            if let Ok(b) = serde_json::from_str(body) {
                keys.add_batch(id, &b);
            }
        }
        RecordKind::Flow => {
            if let Ok(f) = serde_json::from_str(body) {
                keys.add_flow(&f);
            }
        }
        _ => {}
    }
}

/// What the rules ran under besides the records: a full sweep's and an
/// incremental sweep's must match.
fn settings_digest(service: &Service) -> String {
    let mut off = service.settings.verification_off.clone();
    off.sort();
    serde_json::json!({
        "thresholds": service.settings.verification_thresholds,
        "off": off,
    })
    .to_string()
}

impl Service {
    /// Runs every rule (incremental when it may be) and keeps what they
    /// find. `by` None: the command line or the schedule.
    /// `progress(records)` after each page read.
    pub async fn run_verification(
        &self,
        by: Option<&Principal>,
        progress: impl FnMut(u64),
    ) -> ServiceResult<SweepRow> {
        self.run_sweep(by, SweepMode::Auto, progress).await
    }

    /// Runs a sweep of `mode`.
    pub async fn run_sweep(
        &self,
        by: Option<&Principal>,
        mode: SweepMode,
        mut progress: impl FnMut(u64),
    ) -> ServiceResult<SweepRow> {
        if let Some(p) = by {
            if !matches!(p.role, Role::PlatformAdmin | Role::Regulator) {
                return Err(ServiceError::Forbidden(
                    "只有监管人员和系统管理员可以发起核查 (only regulators and the system administrator start a verification sweep)".into(),
                ));
            }
        }
        let started_at = format_time(Utc::now());
        let clock = std::time::Instant::now();
        let mark = self.store.version_mark().await?;
        let settings = settings_digest(self);
        let incremental = match mode {
            SweepMode::Full => None,
            SweepMode::Auto => self.incremental_snapshot(&settings).await?,
        };
        // A full sweep looks at the files due a look while it reads.
        let (mut snapshot, judged, mode, files) = match incremental {
            Some((snapshot, judged)) => (snapshot, Some(judged), "incremental", Default::default()),
            None => {
                let (files, snapshot) =
                    tokio::join!(self.look_at_files(), self.full_snapshot(&mut progress));
                (snapshot?, None, "full", files?)
            }
        };
        let read = (snapshot.enterprises.len()
            + snapshot.products.len()
            + snapshot.batches.len()
            + snapshot.flows.len()
            + snapshot.registers.len()) as i64;
        let unanswered = self.look_up_registers(&mut snapshot).await;
        snapshot.today = Some(crate::today_in_shanghai());
        snapshot.thresholds = self.settings.verification_thresholds.clone();
        snapshot.suspect_codes = self
            .store
            .suspect_codes_by_batch()
            .await?
            .into_iter()
            .map(|(batch, codes)| (batch, codes.max(0) as u64))
            .collect();
        snapshot.file_faults = self.file_faults().await?;
        let read_ms = clock.elapsed().as_millis() as u64;
        // The rules are CPU work over the whole snapshot: off the async workers.
        let off = self.settings.verification_off.clone();
        let findings = tokio::task::spawn_blocking(move || {
            let findings = verification::run_except(&snapshot, &off);
            // Freeing a million parsed records is a tenth of a full sweep's
            // time; the sweep's answer need not wait for it.
            std::thread::spawn(move || drop(snapshot));
            findings
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?;
        let rules_ms = clock.elapsed().as_millis() as u64 - read_ms;
        let mut findings: Vec<NewFinding> = findings.into_iter().map(new_finding).collect();
        self.carry_over_unanswered(&unanswered, &mut findings)
            .await?;
        findings.retain(|f| judged.as_ref().is_none_or(|j| j.contains(&f.record_id)));
        let scope: Option<Vec<i64>> = judged.map(|ids| ids.into_iter().collect());
        let started_by = by.map(|p| p.actor.clone()).unwrap_or_else(|| "cli".into());
        let sweep = self
            .store
            .record_sweep(
                NewSweep {
                    started_at,
                    started_by,
                    catalogue_version: catalogue().version.clone(),
                    records: read,
                    mode: mode.into(),
                    mark,
                    settings,
                },
                &findings,
                scope.as_deref(),
            )
            .await?;
        tracing::info!(
            sweep = sweep.id,
            mode,
            records = read,
            findings = sweep.findings,
            opened = sweep.opened,
            resolved = sweep.resolved,
            read_ms,
            rules_ms,
            files_due = files.due,
            files_hashed = files.hashed,
            files_faulty = files.faulty,
            store_ms = clock.elapsed().as_millis() as u64 - read_ms - rules_ms,
            "verification sweep"
        );
        Ok(sweep)
    }

    /// Every record of the swept kinds: read in place on every core
    /// where the engine can, else a page at a time.
    async fn full_snapshot(&self, progress: &mut impl FnMut(u64)) -> ServiceResult<Snapshot> {
        match self.store.sweep_pages().await {
            Some(pages) => sweep_snapshot::in_place(pages, progress).await,
            None => sweep_snapshot::by_pages(self.store.clone(), progress).await,
        }
    }

    /// The records an incremental sweep reads and those it judges, or None
    /// when it must be full.
    async fn incremental_snapshot(
        &self,
        settings: &str,
    ) -> ServiceResult<Option<(Snapshot, BTreeSet<i64>)>> {
        let (Some(last), Some(full)) = (
            self.store.latest_sweep().await?,
            self.store.latest_full_sweep().await?,
        ) else {
            return Ok(None);
        };
        if verification::china_date(&full.started_at) != Some(crate::today_in_shanghai())
            || full.catalogue_version != catalogue().version
            || full.settings != settings
            || last.settings != settings
        {
            return Ok(None);
        }
        let Some(changed) = self.store.changed_since(last.mark, MOST_CHANGES).await? else {
            return Ok(None);
        };
        if changed.iter().any(|c| c.kind == RecordKind::Register) {
            return Ok(None);
        }
        let changed_ids: BTreeSet<i64> = changed.iter().map(|c| c.id).collect();
        let mut keys = Keys::default();
        for c in &changed {
            if let Some(before) = &c.before {
                keys_of(c.kind, c.id, before, &mut keys);
            }
        }
        let now = self
            .store
            .sweep_records_by_id(&changed_ids.iter().copied().collect::<Vec<_>>())
            .await?;
        for r in &now {
            keys_of(r.kind, r.id, &r.body, &mut keys);
        }
        // Judged: what holds a key of a change; read: what shares a key
        // with those, and the enterprises they name.
        let judged = self.holders(&keys, &changed_ids).await?;
        let mut snapshot = Snapshot::default();
        let mut read: BTreeSet<i64> = BTreeSet::new();
        self.read_into(&mut snapshot, &mut read, &judged).await?;
        let wider = Keys::of(&snapshot);
        let around = self.holders(&wider, &judged).await?;
        self.read_into(&mut snapshot, &mut read, &around).await?;
        let mut named = BTreeSet::new();
        named.extend(snapshot.products.iter().map(|p| p.record.enterprise_id));
        named.extend(snapshot.batches.iter().map(|b| b.record.enterprise_id));
        for f in &snapshot.flows {
            named.insert(f.record.enterprise_id);
            named.extend(f.record.counterparty_id);
        }
        self.read_into(&mut snapshot, &mut read, &named).await?;
        snapshot.registers = self.latest_registers().await?;
        // The rules read records in ID order, as a full sweep gives them.
        snapshot.enterprises.sort_by_key(|r| r.id);
        snapshot.products.sort_by_key(|r| r.id);
        snapshot.batches.sort_by_key(|r| r.id);
        snapshot.flows.sort_by_key(|r| r.id);
        Ok(Some((snapshot, judged)))
    }

    /// The IDs of the records holding any of `keys`, with `also`.
    async fn holders(&self, keys: &Keys, also: &BTreeSet<i64>) -> ServiceResult<BTreeSet<i64>> {
        let mut ids: BTreeSet<i64> = self
            .store
            .sweep_neighbours(keys)
            .await?
            .into_iter()
            .collect();
        ids.extend(&keys.enterprises);
        ids.extend(&keys.batches);
        ids.extend(also);
        Ok(ids)
    }

    /// Reads the records of `ids` not read yet into `snapshot`.
    async fn read_into(
        &self,
        snapshot: &mut Snapshot,
        read: &mut BTreeSet<i64>,
        ids: &BTreeSet<i64>,
    ) -> ServiceResult<()> {
        let missing: Vec<i64> = ids.difference(read).copied().collect();
        read.extend(&missing);
        let records = self.store.sweep_records_by_id(&missing).await?;
        let parsed = tokio::task::spawn_blocking(move || parse_all(records))
            .await
            .map_err(|e| ServiceError::Internal(format!("verification: {e}")))?;
        // Registers are read whole below.
        add(
            snapshot,
            parsed
                .into_iter()
                .filter(|p| !matches!(p, Parsed::Register(_))),
        );
        Ok(())
    }

    /// The latest register of each kind.
    async fn latest_registers(&self) -> ServiceResult<Vec<zhisu_domain::register::Register>> {
        let mut out = Vec::new();
        for kind in zhisu_domain::register::RegisterKind::ALL {
            let key = format!("register:{}", kind.as_str());
            if let Some(r) = self
                .store
                .find_by_unique_key(RecordKind::Register, &key)
                .await?
            {
                out.push(
                    serde_json::from_value(r.body.clone())
                        .map_err(|e| ServiceError::Internal(format!("stored register: {e}")))?,
                );
            }
        }
        Ok(out)
    }

    /// The latest sweep, if any.
    pub async fn latest_sweep(&self) -> ServiceResult<Option<SweepRow>> {
        Ok(self.store.latest_sweep().await?)
    }

    /// Sweeps are the province's record of its checks: regulators and the
    /// system administrator read them.
    fn may_read_sweeps(by: &Principal) -> ServiceResult<()> {
        if matches!(by.role, Role::PlatformAdmin | Role::Regulator) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "只有监管人员和系统管理员可以查看核查记录 (only regulators and the system administrator read the sweeps)".into(),
            ))
        }
    }

    /// The sweeps, newest first (issue 17.2: each run is recorded).
    pub async fn list_sweeps(
        &self,
        by: &Principal,
        limit: i64,
        offset: i64,
    ) -> ServiceResult<(Vec<SweepRow>, i64)> {
        Self::may_read_sweeps(by)?;
        crate::verification::check_page(limit, offset)?;
        Ok(self.store.list_sweeps(limit, offset).await?)
    }

    /// One sweep and what it found, rule by rule, in `by`'s jurisdiction.
    pub async fn get_sweep(
        &self,
        by: &Principal,
        id: i64,
    ) -> ServiceResult<(SweepRow, Vec<zhisu_store::SweepRuleCount>)> {
        Self::may_read_sweeps(by)?;
        let sweep = self.store.get_sweep(id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("核查记录 {id} 不存在 (no sweep {id})"))
        })?;
        let rules = self.store.sweep_rules(id, &by.list_scope()).await?;
        Ok((sweep, rules))
    }
}
