//! Flow (流向): sales and purchases (G5.1-flow, G5.2-flow, P5.3.3.4).
//! Every line is a genuine code resolved to its batch; a seller sells only
//! what was delivered to it; a purchase is matched against the upstream
//! sales to the buyer; the counterparty's contact is sealed at rest.

use chrono::Utc;
use zhisu_domain::flow::{Flow, FlowInput, FlowKind, FlowLine};
use zhisu_domain::holding::{may_sell, Movement};
use zhisu_domain::{FieldError, Invalid, Principal, RecordKind};
use zhisu_store::{FlowRow, NewRecord, Page, RecordIndex};

use crate::codes::VerifyStatus;
use crate::records::{audit, to_body, ListFilter, RecordView};
use crate::{Service, ServiceError, ServiceResult};

/// `(01)0697…(21)ABC` → `/01/0697…/21/ABC`.
pub(crate) fn key_path(key: &str) -> String {
    let mut out = String::new();
    for part in key.split('(').filter(|p| !p.is_empty()) {
        if let Some((ai, value)) = part.split_once(')') {
            out.push('/');
            out.push_str(ai);
            out.push('/');
            out.push_str(&zhisu_codes::gs1::digital_link::percent_encode(value));
        }
    }
    out
}

/// A flow record's index columns: its recorder, counterparty's name
/// and kind (also what `zhisu ledger verify` recomputes: issue 16.18).
pub(crate) fn flow_index(flow: &Flow, region_code: &str) -> RecordIndex {
    RecordIndex {
        enterprise_id: Some(flow.enterprise_id),
        parent_id: None,
        unique_key: None,
        name: flow.counterparty_name.clone(),
        region_code: region_code.to_string(),
        tag: Some(flow.kind.as_str().to_string()),
        code_key: None,
    }
}

/// The `flow_lines` rows a flow record stands for: the side the goods
/// leave records a sale or return, the other side a purchase.
pub(crate) fn flow_rows(flow: &Flow) -> Vec<FlowRow> {
    let (from_id, to_id) = match flow.kind {
        FlowKind::Sale | FlowKind::Return => (Some(flow.enterprise_id), flow.counterparty_id),
        FlowKind::Purchase => (flow.counterparty_id, Some(flow.enterprise_id)),
    };
    flow.lines
        .iter()
        .map(|l| FlowRow {
            flow_id: 0,
            kind: flow.kind.as_str().to_string(),
            from_id,
            to_id,
            code: l.code.clone(),
            batch_id: l.batch_id,
            quantity: l.quantity as i64,
            at: flow.at.clone(),
        })
        .collect()
}

impl Service {
    /// Opens the sealed contact fields of a record (a flow's counterparty,
    /// a feedback's sender) for a caller who may read the record.
    pub(crate) fn open_sealed(&self, mut view: RecordView) -> RecordView {
        for field in ["counterparty_contact", "contact"] {
            if let Some(c) = view.body.get_mut(field).filter(|c| c.is_string()) {
                let opened = c.as_str().and_then(|s| self.sealer.open(s));
                *c = match opened {
                    Some(plain) => serde_json::Value::String(plain),
                    None => serde_json::Value::String("(无法解密 / cannot be opened)".into()),
                };
            }
        }
        view
    }

    /// Records a sale or a purchase.
    pub async fn record_flow(
        &self,
        by: &Principal,
        input: FlowInput,
        ip: Option<String>,
    ) -> ServiceResult<RecordView> {
        self.file_flow(by, input, ip, None).await
    }

    /// Records a flow; `import_key` names the import row it came from,
    /// kept with it (issue 19.3).
    pub(crate) async fn file_flow(
        &self,
        by: &Principal,
        input: FlowInput,
        ip: Option<String>,
        import_key: Option<zhisu_store::ImportKey>,
    ) -> ServiceResult<RecordView> {
        let recorder = input.enterprise_id.or(by.enterprise_id).ok_or_else(|| {
            ServiceError::Invalid(Invalid(vec![FieldError::required(
                "enterprise_id",
                "企业",
                "G5.1-flow",
            )]))
        })?;
        let enterprise = self
            .read_record(by, RecordKind::Enterprise, recorder)
            .await?;
        if !by.can_record_flow(recorder) {
            return Err(ServiceError::Forbidden(
                "只能记录本企业的购销 (you may record only your own enterprise's sales and purchases)"
                    .into(),
            ));
        }
        // What the recorder holds is checked and changed under its lock,
        // held until the flow is stored: this server's, then the one every
        // server on the database respects (issue 20.1).
        let stripe = recorder.rem_euclid(self.flow_locks.len() as i64) as usize;
        let _one_at_a_time = self.flow_locks[stripe].lock().await;
        self.under_cluster_lock(
            &format!("flows of enterprise {recorder}"),
            self.file_flow_held(by, input, ip, import_key, recorder, &enterprise),
        )
        .await
    }

    /// [`Service::file_flow`] once the recorder's flows are locked.
    async fn file_flow_held(
        &self,
        by: &Principal,
        input: FlowInput,
        ip: Option<String>,
        import_key: Option<zhisu_store::ImportKey>,
        recorder: i64,
        enterprise: &RecordView,
    ) -> ServiceResult<RecordView> {
        let draft = input.validate(Utc::now())?;
        let mut findings = Vec::new();
        let mut counterparty_region: Option<String> = None;
        let (name, address, contact) = match draft.counterparty_id {
            Some(id) if id == recorder => {
                findings.push(FieldError::new(
                    "counterparty_id",
                    "self",
                    "不能与本企业交易 (an enterprise does not trade with itself)",
                ));
                (String::new(), None, None)
            }
            Some(id) => match self.store.get_record(RecordKind::Enterprise, id).await? {
                Some(e) => (
                    {
                        counterparty_region = Some(e.region_code.clone());
                        e.body["name"].as_str().unwrap_or_default().to_string()
                    },
                    e.body["address"].as_str().map(str::to_string),
                    e.body["contact_phone"].as_str().map(str::to_string),
                ),
                None => {
                    findings.push(FieldError::new(
                        "counterparty_id",
                        "not-found",
                        format!("平台上没有企业 {id} (no enterprise {id} on the platform)"),
                    ));
                    (String::new(), None, None)
                }
            },
            None => (
                draft.counterparty_name.clone().unwrap_or_default(),
                draft.counterparty_address.clone(),
                draft.counterparty_contact.clone(),
            ),
        };
        // Resolve every code to its batch; a package stands for its contents.
        let mut lines: Vec<(usize, FlowLine, i64)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, (code, quantity)) in draft.lines.iter().enumerate() {
            let field = format!("lines[{i}].code");
            let resolved = self.resolve_code(code).await?;
            if resolved.verification.status != VerifyStatus::Genuine {
                findings.push(
                    FieldError::new(
                        &field,
                        "not-genuine",
                        format!(
                            "{code}：{} (not a genuine, active code)",
                            resolved.verification.message
                        ),
                    )
                    .clause("G5.1-flow"),
                );
                continue;
            }
            let mut members = Vec::new();
            if let Some(package) = &resolved.package {
                let children: Vec<String> = package.body["children"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                for child in children {
                    let uri = format!("{}{}", self.settings.public_url, key_path(&child));
                    let r = self.resolve_code(&uri).await?;
                    if let Some(batch) = &r.batch {
                        members.push((r.key.clone(), batch.clone(), 1));
                    }
                }
            } else if let Some(batch) = &resolved.batch {
                let quantity = if resolved.serial.is_some() {
                    1
                } else {
                    *quantity
                };
                members.push((resolved.key.clone(), batch.clone(), quantity));
            } else {
                findings.push(FieldError::new(&field, "no-batch", format!("{code} 是产品码，不指明批次；请用批次码或单品码 (a product code names no batch: use the lot or item code)")));
                continue;
            }
            for (key, batch, quantity) in members {
                if !seen.insert(key.clone()) {
                    findings.push(FieldError::new(
                        &field,
                        "duplicate",
                        format!("{key} 重复出现 (listed twice)"),
                    ));
                    continue;
                }
                lines.push((
                    i,
                    FlowLine {
                        code: key,
                        batch_id: batch.id,
                        quantity,
                    },
                    batch.enterprise_id,
                ));
            }
        }
        // Which codes reached the recorder: its own production, or a
        // delivery recorded by a supplier's sale or its own purchase.
        let codes: Vec<String> = lines.iter().map(|(_, l, _)| l.code.clone()).collect();
        let held: std::collections::HashSet<String> = self
            .store
            .held_codes(recorder, &codes)
            .await?
            .into_iter()
            .collect();
        let delivered = |l: &FlowLine| held.contains(&l.code);
        let mut unmatched = Vec::new();
        match draft.kind {
            FlowKind::Sale | FlowKind::Return => {
                if draft.kind == FlowKind::Sale {
                    // A recalled code goes back up the chain, never on to a
                    // buyer (issue 15.1): only a return moves it.
                    let recalls = self.open_recalls().await?;
                    for (i, line, _) in &lines {
                        if let Some((id, reason)) =
                            recalls.covering(Some(line.batch_id), &line.code)
                        {
                            findings.push(FieldError::new(&format!("lines[{i}].code"), "recalled", format!("{} 正在召回（召回 #{id}：{reason}），不能销售，请记录为「退回」退给生产企业 (this code is under recall #{id}: record it as a return to its producer)", line.code)).clause("P6.4"));
                        }
                    }
                } else {
                    for (i, line, maker) in &lines {
                        if draft.counterparty_id != Some(*maker) {
                            findings.push(FieldError::new(&format!("lines[{i}].code"), "not-producer", format!("{} 只能退回其生产企业 (a code is returned only to its producer)", line.code)).clause("P6.4"));
                        }
                    }
                }
                let refusals = self
                    .unsellable(recorder, draft.counterparty_id, &lines)
                    .await?;
                for ((i, line, maker), refused) in lines.iter().zip(refusals) {
                    let Some(has) = refused else {
                        continue;
                    };
                    let field = format!("lines[{i}].code");
                    let finding = if *maker != recorder && !delivered(line) {
                        FieldError::new(&field, "not-held", format!("{} 未记录到本企业的进货，不能销售 (this enterprise never received this code, so it cannot sell it)", line.code))
                    } else if has == 0 {
                        FieldError::new(&field, "not-held", format!("{} 已从本企业售出或退回，不再持有，不能再次销售 (this code already left this enterprise: it cannot be sold twice)", line.code))
                    } else {
                        FieldError::new(&field, "not-held", format!("{} 本企业仅持有 {has} 件，不能销售 {} 件 (this enterprise holds only {has} of this code)", line.code, line.quantity))
                    };
                    findings.push(finding.clause("G5.2-flow"));
                }
            }
            FlowKind::Purchase => {
                // Matched against what suppliers recorded as sold to us.
                unmatched = lines
                    .iter()
                    .filter(|(_, l, _)| !delivered(l))
                    .map(|(_, l, _)| l.code.clone())
                    .collect();
            }
        }
        if !findings.is_empty() {
            return Err(Invalid(findings).into());
        }
        let flow = Flow {
            enterprise_id: recorder,
            kind: draft.kind,
            at: draft.at.clone(),
            counterparty_id: draft.counterparty_id,
            counterparty_name: name.clone(),
            counterparty_address: address,
            counterparty_contact: contact.map(|c| self.sealer.seal(&c)),
            lines: lines.into_iter().map(|(_, l, _)| l).collect(),
            matched: (draft.kind == FlowKind::Purchase).then_some(unmatched.is_empty()),
            unmatched,
        };
        let flow_codes: Vec<String> = flow.lines.iter().map(|l| l.code.clone()).collect();
        let rows = flow_rows(&flow);
        // Issue 18.1: the recalls whose goods move, counted again after.
        let recalls = self.recalls_moved_by(&rows).await;
        let delivered_to_member = rows.iter().any(|r| r.to_id.is_some());
        let record = NewRecord {
            kind: RecordKind::Flow,
            index: flow_index(&flow, enterprise.text("region_code")),
            body: to_body(&flow)?,
            links: vec![],
            flow: rows,
            import_key,
        };
        let action = format!("flow.{}", draft.kind.as_str());
        let stored = self
            .store
            .create_record(record, audit(by, &action, ip))
            .await?;
        self.record_changed(RecordKind::Flow, stored.id);
        for id in recalls {
            self.recount_recall(id).await;
        }
        if delivered_to_member {
            self.codes_traded(flow_codes.iter().map(String::as_str));
        }
        let base = &self.settings.public_url;
        let codes: Vec<String> = flow_codes
            .iter()
            .map(|k| format!("{base}{}", key_path(k)))
            .collect();
        let party = |id: Option<i64>| id.map(|e| crate::epcis::own::party(base, e));
        let event = match draft.kind {
            FlowKind::Sale | FlowKind::Return => crate::epcis::own::movement(
                true,
                &codes,
                party(Some(recorder)),
                party(draft.counterparty_id),
            ),
            FlowKind::Purchase => crate::epcis::own::movement(
                false,
                &codes,
                party(draft.counterparty_id),
                party(Some(recorder)),
            ),
        };
        self.emit_event(by, recorder, event).await;
        // 防窜 (P6.5): goods reaching an enterprise outside the channel they
        // were shipped into raise an alert; the record itself stands.
        let receiver_region = match draft.kind {
            FlowKind::Sale => counterparty_region,
            // A purchase moves no goods (issue 16.6): the supplier's sale
            // to this buyer is checked when it is recorded, and a buyer's
            // own claim raises nothing against the producer.
            FlowKind::Purchase => None,
            // Goods going home are not diverted.
            FlowKind::Return => None,
        };
        if let Some(region) = receiver_region.filter(|r| !r.is_empty()) {
            let what = format!(
                "{}（购销记录 #{}）",
                draft.kind.movement_zh(&name),
                stored.id
            );
            for line in &flow_codes {
                let uri = format!("{}{}", self.settings.public_url, key_path(line));
                let resolved = self.resolve_code(&uri).await?;
                if let Some(alert) = self.diversion(&resolved, &region, &what).await? {
                    self.raise(alert).await?;
                }
            }
        }
        Ok(self.open_sealed(stored.into()))
    }

    /// For each line of a sale by `holder` to `buyer`, `Some(held)` when
    /// it may not be recorded (issue 15.3): `holder` does not hold the
    /// quantity now — what it made (an item, or its lot's quantity) or
    /// received, less what left it — and the buyer has not already
    /// recorded this delivery as its purchase (`zhisu_domain::holding`).
    async fn unsellable(
        &self,
        holder: i64,
        buyer: Option<i64>,
        lines: &[(usize, FlowLine, i64)],
    ) -> ServiceResult<Vec<Option<u64>>> {
        let codes: Vec<String> = lines.iter().map(|(_, l, _)| l.code.clone()).collect();
        let mut by_code: std::collections::HashMap<String, Vec<Movement>> = Default::default();
        for row in self.store.movements_of(holder, &codes).await? {
            by_code.entry(row.code).or_default().push(Movement {
                recorded_by_seller: row.kind != FlowKind::Purchase.as_str(),
                from: row.from_id,
                to: row.to_id,
                quantity: row.quantity.max(0) as u64,
            });
        }
        let mut out = Vec::with_capacity(lines.len());
        for (_, line, maker) in lines {
            let start = if *maker != holder {
                0
            } else if line.code.contains("(21)") {
                1
            } else {
                let batch = self
                    .store
                    .get_record(RecordKind::Batch, line.batch_id)
                    .await?;
                batch
                    .and_then(|b| b.body["quantity"].as_u64())
                    .unwrap_or(u64::MAX)
            };
            let moves = by_code.get(&line.code).map_or(&[][..], Vec::as_slice);
            let sale = Movement {
                recorded_by_seller: true,
                from: Some(holder),
                to: buyer,
                quantity: line.quantity,
            };
            out.push(may_sell(holder, start, moves, &sale).err());
        }
        Ok(out)
    }

    /// A flow record, its contact opened for the enterprise and masked
    /// for a regulator (V7: `reveal_contact` opens it with a reason).
    pub async fn read_flow(&self, by: &Principal, id: i64) -> ServiceResult<RecordView> {
        Ok(self.shown_to(by, self.read_record(by, RecordKind::Flow, id).await?))
    }

    pub async fn list_flows(
        &self,
        by: &Principal,
        filter: &ListFilter,
    ) -> ServiceResult<Page<RecordView>> {
        let mut page = self.list(by, RecordKind::Flow, filter).await?;
        page.items = page
            .items
            .into_iter()
            .map(|v| self.shown_to(by, v))
            .collect();
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_paths() {
        assert_eq!(
            key_path("(01)06970000000017(21)AB"),
            "/01/06970000000017/21/AB"
        );
        assert_eq!(
            key_path("(01)06970000000017(10)L 1"),
            "/01/06970000000017/10/L%201"
        );
    }
}

/// An enterprise on the platform, as anyone may know it (G5.3: names are
/// public): what a counterparty picker lists.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DirectoryEntry {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

impl Service {
    /// Every enterprise's ID, public name and kind, by name.
    pub async fn directory(&self) -> ServiceResult<Vec<DirectoryEntry>> {
        let mut out = Vec::new();
        loop {
            let mut query = zhisu_store::RecordQuery::new(
                RecordKind::Enterprise,
                zhisu_domain::auth::ListScope::All,
            );
            query.limit = 500;
            query.offset = out.len() as i64;
            let page = self.store.list_records(&query).await?;
            let done =
                page.items.is_empty() || out.len() as i64 + page.items.len() as i64 >= page.total;
            out.extend(page.items.into_iter().map(|r| DirectoryEntry {
                id: r.id,
                name: r.body["name"].as_str().unwrap_or_default().to_string(),
                kind: r.body["kind"].as_str().unwrap_or_default().to_string(),
            }));
            if done {
                break;
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}
