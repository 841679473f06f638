//! Separation of administrative duties (三员分立, GB/T 22239 level 3,
//! issue 16.16): the system administrator (`platform-admin`) runs the
//! platform's business, the security administrator (`security-admin`)
//! manages accounts and keys, the audit administrator (`audit-admin`)
//! reads and exports the audit log; none of them can do the others' work,
//! and accounts of the three are made only on the server's command line
//! (`zhisu admin create-user`), so no one grants themselves another duty.
//! Enterprises manage their own people as before: an enterprise admin is
//! not a platform administrator.

use crate::auth::{Principal, Role};

impl Role {
    /// The three administrators of the platform (三员).
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            Role::PlatformAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
}

impl Principal {
    /// Whether this principal may create an account or an API key with
    /// `role` for `enterprise_id`. `key`: an API key (an enterprise may
    /// give its own role a key; an account of its own role it may not).
    pub fn may_grant(&self, role: Role, enterprise_id: Option<i64>, key: bool) -> bool {
        let own = role.enterprise_kind().is_some() && enterprise_id == self.enterprise_id;
        match self.role {
            // Accounts and keys of regulators and enterprises, never of an
            // administrator: those are made at the server.
            Role::SecurityAdmin => !role.is_administrator(),
            Role::ManufacturerAdmin => {
                own && (role == Role::ManufacturerOperator
                    || (key && role == Role::ManufacturerAdmin))
            }
            Role::Seller => own && key && role == Role::Seller,
            Role::PlatformAdmin
            | Role::AuditAdmin
            | Role::Regulator
            | Role::ManufacturerOperator => false,
        }
    }

    /// Lists accounts and keys, and revokes keys: the security
    /// administrator (all), enterprise admins (their own).
    pub fn can_manage_keys(&self) -> bool {
        matches!(
            self.role,
            Role::SecurityAdmin | Role::ManufacturerAdmin | Role::Seller
        )
    }

    /// Whether the accounts and keys of every tenant are in reach.
    pub fn manages_all_accounts(&self) -> bool {
        self.role == Role::SecurityAdmin
    }

    /// The audit log: the audit administrator reads all of it; enterprise
    /// admins their enterprise's entries, regulators those of enterprises
    /// they oversee. The system and security administrators do not: the
    /// log records their work.
    pub fn can_read_audit(&self) -> bool {
        matches!(
            self.role,
            Role::AuditAdmin | Role::ManufacturerAdmin | Role::Seller | Role::Regulator
        )
    }

    /// Whether the whole audit log is in reach.
    pub fn reads_all_audit(&self) -> bool {
        self.role == Role::AuditAdmin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_role(role: Role, enterprise_id: Option<i64>) -> Principal {
        Principal {
            actor: "user:1".into(),
            display_name: "t".into(),
            role,
            enterprise_id,
            jurisdiction: Vec::new(),
        }
    }

    #[test]
    fn no_administrator_does_anothers_work() {
        let system = as_role(Role::PlatformAdmin, None);
        let security = as_role(Role::SecurityAdmin, None);
        let audit = as_role(Role::AuditAdmin, None);
        // Accounts and keys: the security administrator only.
        for role in Role::ALL {
            assert!(!system.may_grant(role, Some(1), false), "{role:?}");
            assert!(!audit.may_grant(role, Some(1), true), "{role:?}");
            assert_eq!(
                security.may_grant(role, Some(1), false),
                !role.is_administrator(),
                "{role:?}"
            );
        }
        assert!(!system.can_manage_keys() && !audit.can_manage_keys());
        assert!(security.can_manage_keys() && security.manages_all_accounts());
        // The audit log: the audit administrator only.
        assert!(audit.can_read_audit() && audit.reads_all_audit());
        assert!(!system.can_read_audit() && !security.can_read_audit());
        // Business records: the system administrator only.
        let record = crate::auth::Tenancy {
            enterprise_id: 1,
            region_code: "440305",
        };
        assert!(system.can_read(record));
        assert!(!security.can_read(record) && !audit.can_read(record));
        assert!(!security.can_review(record) && !audit.can_review(record));
        assert!(!security.can_record_flow(1) && !audit.can_edit_enterprise(1));
    }

    #[test]
    fn enterprises_grant_within_their_own() {
        let maker = as_role(Role::ManufacturerAdmin, Some(7));
        assert!(maker.may_grant(Role::ManufacturerOperator, Some(7), false));
        assert!(!maker.may_grant(Role::ManufacturerOperator, Some(8), false));
        assert!(!maker.may_grant(Role::ManufacturerAdmin, Some(7), false));
        assert!(maker.may_grant(Role::ManufacturerAdmin, Some(7), true));
        assert!(!maker.may_grant(Role::Regulator, None, true));
        let seller = as_role(Role::Seller, Some(5));
        assert!(seller.may_grant(Role::Seller, Some(5), true));
        assert!(!seller.may_grant(Role::Seller, Some(5), false));
        let operator = as_role(Role::ManufacturerOperator, Some(7));
        assert!(!operator.may_grant(Role::ManufacturerOperator, Some(7), true));
    }
}
