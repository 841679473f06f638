//! Proofs that cover every stored row (issue 16.18): `zhisu ledger verify`
//! recomputes each record's leaf from its body, but the columns written
//! beside the body (its enterprise, region, name, unique key, tag, code key
//! and the version they point at), a flow's lines and a package's links
//! decide what a regulator's list shows and which tenant owns a record.
//! Here each of them is derived again from the ledgered bodies, the way
//! the service wrote it, and the first difference is named.

use std::collections::HashMap;

use zhisu_domain::batch::Batch;
use zhisu_domain::change_request::ChangeRequest;
use zhisu_domain::enterprise::Enterprise;
use zhisu_domain::feedback::Feedback;
use zhisu_domain::flow::Flow;
use zhisu_domain::package::Package;
use zhisu_domain::recall::Recall;
use zhisu_domain::{Product, RecordKind};
use zhisu_store::{IndexedRecord, RecordIndex};

use crate::{Service, ServiceResult};

/// Why a stored row no longer follows from its body.
fn differs(what: &str, record: &str, field: &str) -> String {
    format!(
        "{record} 的{what}与账本中的内容不符 ({record}: its {field} no longer follows from its ledgered body: it was edited behind the platform's back)"
    )
}

/// The column that differs between what was stored and what the body
/// gives, if one does. A change request's name is left out: it carries
/// the product's name as it was when the request was decided.
fn column_differs(
    kind: RecordKind,
    stored: &RecordIndex,
    derived: &RecordIndex,
) -> Option<&'static str> {
    if stored.enterprise_id != derived.enterprise_id {
        Some("enterprise_id")
    } else if stored.region_code != derived.region_code {
        Some("region_code")
    } else if stored.parent_id != derived.parent_id {
        Some("parent_id")
    } else if stored.unique_key != derived.unique_key {
        Some("unique_key")
    } else if stored.name != derived.name && kind != RecordKind::ChangeRequest {
        Some("name")
    } else if stored.tag != derived.tag {
        Some("tag")
    } else if stored.code_key != derived.code_key {
        Some("code_key")
    } else {
        None
    }
}

impl Service {
    /// The first stored column, flow line or package link that does not
    /// follow from the ledgered bodies, or None when every one does.
    pub(crate) async fn verify_derived_rows(&self) -> ServiceResult<Option<String>> {
        // An enterprise's region, from its own body: every record of the
        // enterprise is overseen where it is. Enterprises are stored
        // before anything of theirs, so ids in order meet them first.
        let mut regions: HashMap<i64, String> = HashMap::new();
        let mut after = 0;
        loop {
            let page = self.store.indexed_records(after, 1_000).await?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            after = last.id;
            for record in &page {
                if let Some(problem) = self.derived_problem(record, &mut regions).await? {
                    return Ok(Some(problem));
                }
            }
        }
    }

    async fn derived_problem(
        &self,
        record: &IndexedRecord,
        regions: &mut HashMap<i64, String>,
    ) -> ServiceResult<Option<String>> {
        let name = format!("{}/{}", record.kind.as_str(), record.id);
        if record.version != record.latest_version {
            return Ok(Some(differs("当前版本", &name, "current version")));
        }
        let Some(body) = &record.body else {
            return Ok(Some(differs("当前版本", &name, "current version")));
        };
        let typed = |field: &str| differs("内容", &name, field);
        let region_of = |e: i64| regions.get(&e).cloned().unwrap_or_default();
        let derived = match record.kind {
            RecordKind::Enterprise => {
                let Ok(e) = serde_json::from_value::<Enterprise>(body.clone()) else {
                    return Ok(Some(typed("body")));
                };
                regions.insert(record.id, e.region_code.clone());
                RecordIndex {
                    enterprise_id: Some(record.id),
                    ..crate::records::enterprise_index(&e)
                }
            }
            RecordKind::Product => match serde_json::from_value::<Product>(body.clone()) {
                Ok(p) => crate::records::product_index(&p, &region_of(p.enterprise_id)),
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Batch => match serde_json::from_value::<Batch>(body.clone()) {
                Ok(b) => crate::records::batch_index(&b, &region_of(b.enterprise_id)),
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Package => match serde_json::from_value::<Package>(body.clone()) {
                Ok(p) => {
                    let mut links = self.store.links_of(record.id).await?;
                    links.sort();
                    let mut children = p.children.clone();
                    children.sort();
                    if links != children {
                        return Ok(Some(differs("装箱关系", &name, "package links")));
                    }
                    crate::packages::package_index(&p, &region_of(p.enterprise_id))
                }
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Flow => match serde_json::from_value::<Flow>(body.clone()) {
                Ok(f) => {
                    let stored = self.store.lines_of_flow(record.id).await?;
                    let expected = crate::flows::flow_rows(&f);
                    let same = stored.len() == expected.len()
                        && stored.iter().zip(&expected).all(|(s, e)| {
                            (
                                s.kind.as_str(),
                                s.from_id,
                                s.to_id,
                                s.code.as_str(),
                                s.batch_id,
                                s.quantity,
                                s.at.as_str(),
                            ) == (
                                e.kind.as_str(),
                                e.from_id,
                                e.to_id,
                                e.code.as_str(),
                                e.batch_id,
                                e.quantity,
                                e.at.as_str(),
                            )
                        });
                    if !same {
                        return Ok(Some(differs("购销明细", &name, "flow lines")));
                    }
                    crate::flows::flow_index(&f, &region_of(f.enterprise_id))
                }
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Recall => match serde_json::from_value::<Recall>(body.clone()) {
                Ok(r) => crate::recalls::recall_index(&r, &region_of(r.enterprise_id)),
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Feedback => match serde_json::from_value::<Feedback>(body.clone()) {
                Ok(f) => crate::feedback::feedback_index(&f, &region_of(f.enterprise_id)),
                Err(_) => return Ok(Some(typed("body"))),
            },
            RecordKind::Register => {
                match serde_json::from_value::<zhisu_domain::register::Register>(body.clone()) {
                    // Like an enterprise, it is its own tenant.
                    Ok(r) => RecordIndex {
                        enterprise_id: Some(record.id),
                        ..crate::registers::register_index(&r)
                    },
                    Err(_) => return Ok(Some(typed("body"))),
                }
            }
            RecordKind::Review => {
                match serde_json::from_value::<zhisu_domain::review::Review>(body.clone()) {
                    Ok(r) => crate::reviews::review_index(&r, &region_of(r.enterprise_id)),
                    Err(_) => return Ok(Some(typed("body"))),
                }
            }
            RecordKind::Case => {
                match serde_json::from_value::<zhisu_domain::cases::Case>(body.clone()) {
                    Ok(c) => crate::cases::case_index(&c, &region_of(c.enterprise_id)),
                    Err(_) => return Ok(Some(typed("body"))),
                }
            }
            RecordKind::ChangeRequest => {
                match serde_json::from_value::<ChangeRequest>(body.clone()) {
                    Ok(r) => {
                        crate::change_requests::request_index(&r, "", &region_of(r.enterprise_id))
                    }
                    Err(_) => return Ok(Some(typed("body"))),
                }
            }
        };
        Ok(
            column_differs(record.kind, &record.index, &derived).map(|field| {
                let zh = match field {
                    "enterprise_id" => "所属企业",
                    "region_code" => "行政区划",
                    "name" => "名称",
                    "unique_key" => "唯一键",
                    "tag" => "状态或类别",
                    "code_key" => "商品码",
                    _ => "上级记录",
                };
                differs(zh, &name, field)
            }),
        )
    }
}
