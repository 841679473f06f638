//! The traceability domain: what an enterprise, product and batch are, what
//! makes them valid, and who may see or change what.
//!
//! Pure: no SQL, no HTTP, no I/O. The service layer asks this crate to
//! validate and decide; the store only persists what was decided.

pub mod auth;
pub mod batch;
pub mod blob;
pub mod cases;
pub mod change_request;
pub mod copying;
pub mod duties;
pub mod enterprise;
pub mod feedback;
pub mod flow;
pub mod guessing;
pub mod holding;
pub mod identity_check;
pub mod imports;
pub mod login_guard;
pub mod package;
pub mod password;
pub mod platforms;
pub mod privacy;
pub mod product;
pub mod production_days;
pub mod public;
pub mod recall;
pub mod register;
pub mod reporting;
pub mod retention;
pub mod review;
pub mod scan;
pub mod statistics;
pub mod subscription;
pub mod supplements;
pub mod validation;
pub mod verification;

pub use auth::{Principal, Role};
pub use batch::{submission_check, Batch, BatchAction, BatchInput, BatchStatus, ReviewDecision};
pub use blob::BlobRef;
pub use enterprise::{Enterprise, EnterpriseInput, EnterpriseKind};
pub use package::{Package, PackageInput};
pub use product::{CodeScheme, Product, ProductCategory, ProductInput, TraceLevel};
pub use validation::{FieldError, Invalid};

/// The record kinds that are versioned and entered in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    Enterprise,
    Product,
    Batch,
    Package,
    /// A sale or purchase (G5.1-flow, G5.2-flow).
    Flow,
    /// A recall (P6.4).
    Recall,
    /// Feedback to a producer (P7.2).
    Feedback,
    /// A change of the fields issued codes show (P4).
    ChangeRequest,
    /// A case of verification findings followed to closure (V6-dispose).
    Case,
    /// An issuing authority's register snapshot (issue 17.3).
    Register,
    /// A reviewer's decision on a finding (V5-manual).
    Review,
}

impl RecordKind {
    /// Its name in a Chinese sentence or export.
    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Enterprise => "企业",
            RecordKind::Product => "产品",
            RecordKind::Batch => "批次",
            RecordKind::Package => "包装",
            RecordKind::Flow => "购销记录",
            RecordKind::Recall => "召回",
            RecordKind::Feedback => "反馈",
            RecordKind::ChangeRequest => "变更申请",
            RecordKind::Case => "案件",
            RecordKind::Register => "发证机关登记数据",
            RecordKind::Review => "核查决定",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Enterprise => "enterprise",
            RecordKind::Product => "product",
            RecordKind::Batch => "batch",
            RecordKind::Package => "package",
            RecordKind::Flow => "flow",
            RecordKind::Recall => "recall",
            RecordKind::Feedback => "feedback",
            RecordKind::ChangeRequest => "change-request",
            RecordKind::Case => "case",
            RecordKind::Register => "register",
            RecordKind::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "enterprise" => Some(RecordKind::Enterprise),
            "product" => Some(RecordKind::Product),
            "batch" => Some(RecordKind::Batch),
            "package" => Some(RecordKind::Package),
            "flow" => Some(RecordKind::Flow),
            "recall" => Some(RecordKind::Recall),
            "feedback" => Some(RecordKind::Feedback),
            "change-request" => Some(RecordKind::ChangeRequest),
            "case" => Some(RecordKind::Case),
            "register" => Some(RecordKind::Register),
            "review" => Some(RecordKind::Review),
            _ => None,
        }
    }
}
