//! Roles, tenants and the one place where access is decided.
//!
//! Architecture Invariant: every read or write of tenant data asks a
//! function in this module. Handlers and templates never decide access.

use serde::{Deserialize, Serialize};
use zhisu_codes::RegionCode;

use crate::EnterpriseKind;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Manages a manufacturer: its filing, users and API keys.
    ManufacturerAdmin,
    /// Files products and batches for a manufacturer.
    ManufacturerOperator,
    /// Runs a seller enterprise.
    Seller,
    /// Market regulator: sees every enterprise in its jurisdiction.
    Regulator,
    /// Runs the platform's business: the system administrator (系统管理员).
    PlatformAdmin,
    /// Manages accounts and API keys (安全管理员, `duties.rs`).
    SecurityAdmin,
    /// Reads and exports the audit log (安全审计员, `duties.rs`).
    AuditAdmin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::ManufacturerAdmin,
        Role::ManufacturerOperator,
        Role::Seller,
        Role::Regulator,
        Role::PlatformAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ManufacturerAdmin => "manufacturer-admin",
            Role::ManufacturerOperator => "manufacturer-operator",
            Role::Seller => "seller",
            Role::Regulator => "regulator",
            Role::PlatformAdmin => "platform-admin",
            Role::SecurityAdmin => "security-admin",
            Role::AuditAdmin => "audit-admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that act for one enterprise and need its ID.
    pub fn needs_enterprise(self) -> bool {
        matches!(
            self,
            Role::ManufacturerAdmin | Role::ManufacturerOperator | Role::Seller
        )
    }

    /// The enterprise kind an enterprise role belongs to.
    pub fn enterprise_kind(self) -> Option<EnterpriseKind> {
        match self {
            Role::ManufacturerAdmin | Role::ManufacturerOperator => {
                Some(EnterpriseKind::Manufacturer)
            }
            Role::Seller => Some(EnterpriseKind::Seller),
            _ => None,
        }
    }
}

/// Who is asking: a logged-in user or an API key, with its role and tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `user:{id}` or `key:{id}`: what the audit log records.
    pub actor: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    /// For regulators: the regions they oversee.
    pub jurisdiction: Vec<RegionCode>,
}

/// What access decisions need to know about a tenant's record.
#[derive(Debug, Clone, Copy)]
pub struct Tenancy<'a> {
    pub enterprise_id: i64,
    pub region_code: &'a str,
}

impl Principal {
    /// The platform acting on its own (a schedule, a count): reads
    /// everything, and the audit log names it `system`.
    pub fn system() -> Principal {
        Principal {
            actor: "system".into(),
            display_name: "system".into(),
            role: Role::PlatformAdmin,
            enterprise_id: None,
            jurisdiction: Vec::new(),
        }
    }

    /// The anonymous public: sees only what G5.3 makes public.
    pub fn is_admin(&self) -> bool {
        self.role == Role::PlatformAdmin
    }

    fn in_jurisdiction(&self, region_code: &str) -> bool {
        self.role == Role::Regulator && self.jurisdiction.iter().any(|j| j.covers(region_code))
    }

    fn owns(&self, enterprise_id: i64) -> bool {
        self.role.needs_enterprise() && self.enterprise_id == Some(enterprise_id)
    }

    /// Private data of a tenant (full records, files, history).
    pub fn can_read(&self, tenancy: Tenancy<'_>) -> bool {
        self.is_admin()
            || self.owns(tenancy.enterprise_id)
            || self.in_jurisdiction(tenancy.region_code)
    }

    /// A code's life cycle (P6.2, P6.3): whoever may read its producer's
    /// records, and a seller the code was delivered to (`held`): the chain
    /// shares it.
    pub fn can_follow_code(&self, producer: Tenancy<'_>, held: bool) -> bool {
        self.can_read(producer) || (held && self.role == Role::Seller)
    }

    /// The enterprise's own registration data.
    pub fn can_edit_enterprise(&self, enterprise_id: i64) -> bool {
        self.is_admin()
            || (self.owns(enterprise_id)
                && matches!(self.role, Role::ManufacturerAdmin | Role::Seller))
    }

    /// Products and batches of a manufacturer.
    pub fn can_file_products(&self, enterprise_id: i64, kind: EnterpriseKind) -> bool {
        kind == EnterpriseKind::Manufacturer
            && (self.is_admin()
                || (self.owns(enterprise_id)
                    && matches!(
                        self.role,
                        Role::ManufacturerAdmin | Role::ManufacturerOperator
                    )))
    }

    /// Recording an enterprise's sales and purchases (G5.1-flow, G5.2-flow).
    pub fn can_record_flow(&self, enterprise_id: i64) -> bool {
        self.is_admin() || self.owns(enterprise_id)
    }

    /// Reviewing submitted batches (P5.5): the platform operator, or a
    /// regulator of the region.
    pub fn can_review(&self, tenancy: Tenancy<'_>) -> bool {
        self.is_admin() || self.in_jurisdiction(tenancy.region_code)
    }

    /// A filter the store applies to lists so a tenant never sees rows it
    /// may not read.
    pub fn list_scope(&self) -> ListScope {
        match self.role {
            Role::PlatformAdmin => ListScope::All,
            Role::Regulator => ListScope::Regions(
                self.jurisdiction
                    .iter()
                    .map(|r| r.scope_prefix().to_string())
                    .collect(),
            ),
            _ => ListScope::Enterprise(self.enterprise_id.unwrap_or(-1)),
        }
    }
}

/// The rows a principal may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    All,
    /// Region-code prefixes.
    Regions(Vec<String>),
    Enterprise(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, enterprise_id: Option<i64>, jurisdiction: &[&str]) -> Principal {
        Principal {
            actor: "user:1".into(),
            display_name: "t".into(),
            role,
            enterprise_id,
            jurisdiction: jurisdiction
                .iter()
                .map(|j| RegionCode::parse(j).unwrap())
                .collect(),
        }
    }

    #[test]
    fn tenants_see_only_their_own() {
        let own = Tenancy {
            enterprise_id: 7,
            region_code: "440305",
        };
        let other = Tenancy {
            enterprise_id: 8,
            region_code: "440305",
        };
        let maker = principal(Role::ManufacturerOperator, Some(7), &[]);
        assert!(maker.can_read(own));
        assert!(!maker.can_read(other));
        assert!(maker.can_file_products(7, EnterpriseKind::Manufacturer));
        assert!(!maker.can_file_products(8, EnterpriseKind::Manufacturer));
        assert!(
            !maker.can_edit_enterprise(7),
            "operators do not edit registration data"
        );
        let seller = principal(Role::Seller, Some(7), &[]);
        assert!(!seller.can_file_products(7, EnterpriseKind::Seller));
    }

    #[test]
    fn regulators_see_their_jurisdiction() {
        let gd = principal(Role::Regulator, None, &["440000"]);
        assert!(gd.can_read(Tenancy {
            enterprise_id: 1,
            region_code: "440305"
        }));
        assert!(!gd.can_read(Tenancy {
            enterprise_id: 1,
            region_code: "330100"
        }));
        assert!(!gd.can_file_products(1, EnterpriseKind::Manufacturer));
        assert_eq!(gd.list_scope(), ListScope::Regions(vec!["44".into()]));
        assert!(!gd.can_record_flow(1), "regulators do not trade");
        let seller = principal(Role::Seller, Some(5), &[]);
        assert!(seller.can_record_flow(5) && !seller.can_record_flow(6));
    }

    #[test]
    fn a_codes_life_is_shared_with_the_sellers_it_reached() {
        let producer = Tenancy {
            enterprise_id: 7,
            region_code: "440305",
        };
        let seller = principal(Role::Seller, Some(5), &[]);
        assert!(seller.can_follow_code(producer, true));
        assert!(!seller.can_follow_code(producer, false));
        let other_maker = principal(Role::ManufacturerAdmin, Some(8), &[]);
        assert!(
            !other_maker.can_follow_code(producer, true),
            "only sellers follow by holding"
        );
        let maker = principal(Role::ManufacturerOperator, Some(7), &[]);
        assert!(maker.can_follow_code(producer, false));
        let zj = principal(Role::Regulator, None, &["330000"]);
        assert!(!zj.can_follow_code(producer, false));
        let gd = principal(Role::Regulator, None, &["440000"]);
        assert!(gd.can_follow_code(producer, false));
    }
}
