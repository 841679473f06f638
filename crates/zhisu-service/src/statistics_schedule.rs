//! Reports made on a schedule (issue 18.5): every day the server makes
//! what is missing of last month's and last quarter's reports, as PDF and
//! XLSX, for the platform and for each jurisdiction its regulators hold,
//! and keeps them; each reader of that scope — any regulator of the same
//! jurisdiction, by page or API key — finds them ready. Idempotent: run
//! it again and nothing is made twice.

use chrono::NaiveDate;
use zhisu_domain::statistics::report_period::ReportPeriod;
use zhisu_domain::{Principal, Role};
use zhisu_store::{NewReportFile, ReportFileMeta};

use crate::{ReportFile, ReportRequest, Service, ServiceError, ServiceResult};

/// The formats kept of each report.
const FORMATS: [&str; 2] = ["pdf", "xlsx"];

/// Whose reports a reader reads: `platform` for the platform's
/// administrators, `regions:` and the jurisdiction's codes (sorted) for a
/// regulator; none for anyone else.
pub fn report_scope(by: &Principal) -> Option<String> {
    match by.role {
        Role::PlatformAdmin => Some("platform".into()),
        Role::Regulator if !by.jurisdiction.is_empty() => {
            let mut codes: Vec<&str> = by.jurisdiction.iter().map(|r| r.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            Some(format!("regions:{}", codes.join(",")))
        }
        _ => None,
    }
}

/// The reader a scope's report is made as.
fn reader_of(scope: &str) -> Option<Principal> {
    let mut p = Principal {
        actor: "system:reports".into(),
        display_name: "定期报表 scheduled reports".into(),
        role: Role::PlatformAdmin,
        enterprise_id: None,
        jurisdiction: Vec::new(),
    };
    if scope == "platform" {
        return Some(p);
    }
    let codes = scope.strip_prefix("regions:")?;
    p.role = Role::Regulator;
    p.jurisdiction = codes
        .split(',')
        .map(zhisu_codes::RegionCode::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    Some(p)
}

/// The periods made on `today`: last month, and the quarter before the
/// one `today` is in.
pub fn scheduled_periods(today: NaiveDate) -> [ReportPeriod; 2] {
    [
        ReportPeriod::last_month(today),
        ReportPeriod::last_quarter(today),
    ]
}

impl Service {
    /// Makes what is missing of the scheduled reports; how many were made.
    pub async fn make_scheduled_reports(&self, today: NaiveDate) -> ServiceResult<usize> {
        let mut scopes = vec!["platform".to_string()];
        for user in self.store.list_users(None).await? {
            let p = crate::accounts::principal_of_user(&user);
            if p.role == Role::Regulator {
                if let Some(scope) = report_scope(&p) {
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
            }
        }
        let mut made = 0;
        for scope in &scopes {
            let Some(reader) = reader_of(scope) else {
                continue;
            };
            for period in scheduled_periods(today) {
                for format in FORMATS {
                    let key = period.key();
                    if self.store.has_report_file(scope, &key, format).await? {
                        continue;
                    }
                    let req = ReportRequest {
                        period: key.clone(),
                        format: Some(format.into()),
                        ..Default::default()
                    };
                    let file = self.statistics_report(&reader, &req, |_| {}).await?;
                    let kept = self
                        .store
                        .put_report_file(&NewReportFile {
                            scope: scope.clone(),
                            period: key,
                            format: format.into(),
                            file_name: file.file_name,
                            content_type: file.content_type.into(),
                            bytes: file.bytes,
                        })
                        .await?;
                    made += usize::from(kept);
                }
            }
        }
        Ok(made)
    }

    /// The reports kept for the reader's scope, newest period first.
    pub async fn scheduled_reports(&self, by: &Principal) -> ServiceResult<Vec<ReportFileMeta>> {
        let scope = report_scope(by).ok_or_else(|| {
            ServiceError::Forbidden(
                "定期报表供监管部门和平台使用；企业可随时下载本企业的报表 (scheduled reports are for regulators)".into(),
            )
        })?;
        Ok(self.store.report_files(&scope).await?)
    }

    /// One kept report, if it is of the reader's scope (404 otherwise, as
    /// for any record one may not see).
    pub async fn scheduled_report(&self, by: &Principal, id: i64) -> ServiceResult<ReportFile> {
        let not_found = || ServiceError::NotFound("report".into());
        let scope = report_scope(by).ok_or_else(not_found)?;
        let (meta, bytes) = self.store.report_file(id).await?.ok_or_else(not_found)?;
        if meta.scope != scope {
            return Err(not_found());
        }
        let content_type = match meta.format.as_str() {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/pdf",
        };
        Ok(ReportFile {
            file_name: meta.file_name,
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_the_same_for_every_reader_of_one_jurisdiction() {
        let regulator = |codes: &[&str]| Principal {
            actor: "user:1".into(),
            display_name: "监管".into(),
            role: Role::Regulator,
            enterprise_id: None,
            jurisdiction: codes
                .iter()
                .map(|c| zhisu_codes::RegionCode::parse(c).unwrap())
                .collect(),
        };
        let a = report_scope(&regulator(&["440000", "330000"])).unwrap();
        let b = report_scope(&regulator(&["330000", "440000"])).unwrap();
        assert_eq!(a, "regions:330000,440000");
        assert_eq!(a, b);
        assert_eq!(reader_of(&a).unwrap().jurisdiction.len(), 2);
        assert!(reader_of("regions:99").is_none());
        let mut maker = regulator(&[]);
        maker.role = Role::ManufacturerAdmin;
        assert_eq!(report_scope(&maker), None);
    }

    #[test]
    fn the_periods_are_last_month_and_last_quarter() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let keys = |t| scheduled_periods(t).map(|p| p.key());
        assert_eq!(keys(d(2026, 12, 6)), ["2026-11", "2026-Q3"]);
        assert_eq!(keys(d(2026, 1, 1)), ["2025-12", "2025-Q4"]);
        assert_eq!(keys(d(2026, 4, 30)), ["2026-03", "2026-Q1"]);
    }
}
