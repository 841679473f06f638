//! The port through which a deployment asks the issuing authority itself
//! about licence and CCC numbers (issue 17.3), instead of the register
//! snapshot a regulator imported. The binary provides the client; a sweep
//! asks for the numbers its products carry and judges ZV-A-005 on the
//! answer. When the authority cannot answer, the sweep leaves ZV-A-005
//! of that register as the last answer left it (its open findings carried
//! over, none opened or resolved): an outage must neither make every
//! number look unknown nor settle what was found.

use std::collections::BTreeSet;
use std::sync::Arc;

use zhisu_domain::register::{Register, RegisterEntry, RegisterKind};
use zhisu_domain::verification::Snapshot;

use zhisu_domain::auth::ListScope;
use zhisu_store::{FindingQuery, NewFinding};

use crate::{Service, ServiceResult};

/// The rule a live lookup answers for.
const RULE: &str = "ZV-A-005";

/// Numbers asked in one request, at most.
pub const LOOKUP_CHUNK: usize = 500;

/// A live lookup at an issuing authority.
#[async_trait::async_trait]
pub trait RegisterLookup: Send + Sync {
    /// The authority's entries for `numbers` of `kind`; a number it does
    /// not know is absent from the answer. Err: why it could not answer.
    async fn look_up(
        &self,
        kind: RegisterKind,
        numbers: &[String],
    ) -> Result<Vec<RegisterEntry>, String>;

    /// Where the answers come from, as a finding's evidence names it.
    fn source(&self) -> String;
}

impl Service {
    /// Asks the authority through `lookup` from now on.
    pub fn with_register_lookup(mut self, lookup: Arc<dyn RegisterLookup>) -> Self {
        self.register_lookup = Some(lookup);
        self
    }

    /// With a live lookup, the snapshot's registers become the
    /// authority's answers for the numbers its products carry, each kind
    /// on its own. Returns the kinds the authority could not answer.
    pub(crate) async fn look_up_registers(&self, snapshot: &mut Snapshot) -> Vec<RegisterKind> {
        let mut unanswered = Vec::new();
        let Some(lookup) = &self.register_lookup else {
            return unanswered;
        };
        for kind in RegisterKind::ALL {
            let numbers: BTreeSet<String> = snapshot
                .products
                .iter()
                .filter_map(|p| match kind {
                    RegisterKind::ProductionLicence => p.record.production_licence_no.as_deref(),
                    RegisterKind::Ccc => p.record.ccc_cert_no.as_deref(),
                })
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect();
            if numbers.is_empty() {
                continue;
            }
            let numbers: Vec<String> = numbers.into_iter().collect();
            let mut entries = Vec::new();
            let mut failed = None;
            for chunk in numbers.chunks(LOOKUP_CHUNK) {
                match lookup.look_up(kind, chunk).await {
                    Ok(found) => entries.extend(found),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failed {
                tracing::warn!(
                    kind = kind.as_str(),
                    source = lookup.source(),
                    error = %e,
                    "the authority's register could not be asked; its last findings stand"
                );
                unanswered.push(kind);
                continue;
            }
            snapshot.registers.retain(|r| r.kind != kind);
            snapshot.registers.push(Register {
                kind,
                source: lookup.source(),
                entries,
            });
        }
        unanswered
    }

    /// For each kind the authority left unanswered: drops what the rule
    /// found this time on that register's field and carries over the open
    /// findings it had there, so the sweep neither opens nor resolves any.
    pub(crate) async fn carry_over_unanswered(
        &self,
        unanswered: &[RegisterKind],
        findings: &mut Vec<NewFinding>,
    ) -> ServiceResult<()> {
        for kind in unanswered {
            let field = kind.product_field();
            findings.retain(|f| !(f.rule == RULE && f.field == field));
            let mut query = FindingQuery::new(ListScope::All);
            query.rule = Some(RULE.into());
            query.status = Some("open".into());
            query.limit = 500;
            loop {
                let page = self.store.list_findings(&query).await?;
                let n = page.items.len() as i64;
                findings.extend(
                    page.items
                        .into_iter()
                        .filter(|f| f.field == field)
                        .map(NewFinding::from),
                );
                if n < query.limit {
                    break;
                }
                query.offset += n;
            }
        }
        Ok(())
    }
}
