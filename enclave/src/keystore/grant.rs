//! Grants as the keystore holds them (issue 18): each key keeps its live grants, so deleting a
//! key (the deletion sweep) drops them with it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A grant's encryption-context constraint (at most one per grant, as AWS allows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantConstraint {
    /// The request's encryption context must contain these pairs.
    Subset(BTreeMap<String, String>),
    /// The request's encryption context must be exactly this.
    Equals(BTreeMap<String, String>),
}

impl GrantConstraint {
    /// Whether a request with `context` satisfies the constraint (AWS: keys and values compared
    /// exactly, case-sensitive).
    pub fn allows(&self, context: &BTreeMap<String, String>) -> bool {
        match self {
            GrantConstraint::Subset(pairs) => pairs.iter().all(|(k, v)| context.get(k) == Some(v)),
            GrantConstraint::Equals(pairs) => pairs == context,
        }
    }

    /// The `kms:GrantConstraintType` value of this constraint.
    pub fn type_name(&self) -> &'static str {
        match self {
            GrantConstraint::Subset(_) => "EncryptionContextSubset",
            GrantConstraint::Equals(_) => "EncryptionContextEquals",
        }
    }
}

/// One live grant on a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredGrant {
    /// 64 lower-case hex digits (32 random bytes), as AWS's grant ids.
    #[serde(with = "serde_bytes")]
    pub grant_id: [u8; 32],
    /// The grantee (`GranteePrincipal`), or `None` for a service principal grantee.
    pub grantee_principal: Option<String>,
    /// The grantee service principal (never a caller here).
    pub grantee_service_principal: Option<String>,
    /// Who may retire the grant besides the grantee allowed by AWS's rules.
    pub retiring_principal: Option<String>,
    /// The retiring service principal.
    pub retiring_service_principal: Option<String>,
    /// The operations, as the model's `GrantOperation` values, in request order.
    pub operations: Vec<String>,
    /// The encryption-context constraint, if any.
    pub constraint: Option<GrantConstraint>,
    /// The grant's name (`Name`), for idempotent CreateGrant.
    pub name: Option<String>,
    /// When it was made, ms since the epoch.
    pub creation_date_ms: u64,
    /// The account that issued it (`arn:aws:iam::ACCOUNT:root`).
    pub issuing_account: String,
}

impl StoredGrant {
    /// The grant id as AWS writes it.
    pub fn id_hex(&self) -> String {
        nitro_kms_crypto::hex_lower(&self.grant_id)
    }

    /// Whether the grant lists `operation` (a `GrantOperation` value).
    pub fn allows_operation(&self, operation: &str) -> bool {
        self.operations.iter().any(|o| o == operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_needs_its_pairs_and_equals_the_whole_context() {
        let ctx: BTreeMap<String, String> = [("a".into(), "1".into()), ("b".into(), "2".into())]
            .into_iter()
            .collect();
        let subset = GrantConstraint::Subset([("a".into(), "1".into())].into_iter().collect());
        assert!(subset.allows(&ctx));
        assert!(!subset.allows(&BTreeMap::new()));
        let equals = GrantConstraint::Equals([("a".into(), "1".into())].into_iter().collect());
        assert!(!equals.allows(&ctx));
        assert!(equals.allows(&[("a".into(), "1".into())].into_iter().collect()));
        // Case matters in keys and values.
        assert!(!subset.allows(&[("A".into(), "1".into())].into_iter().collect()));
    }
}
