//! Whether a key's grants allow a request (issue 18), AWS's rules from "Grants in AWS KMS" and
//! "Using grant constraints":
//!
//! - the grant is on the key the request uses (grants live on their key, so only its own count);
//! - its grantee principal is the caller: the same ARN, or the role whose session the caller is
//!   (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` is a session of
//!   `arn:aws:iam::ACCOUNT:role/ROLE`). A service principal grantee never matches: no AWS
//!   service calls this service;
//! - it lists the request's operation (the IAM action without `kms:`; ReEncrypt is
//!   `ReEncryptFrom` on the source key and `ReEncryptTo` on the destination, as the actions are);
//! - its constraint holds for the request's encryption context: `EncryptionContextSubset` needs
//!   its pairs in the context, `EncryptionContextEquals` the whole context, both case-sensitive.
//!
//! The key policy's explicit `Deny` is checked before (see [`super::access`]): it wins over
//! every grant.

use std::collections::BTreeMap;

use crate::keystore::{StoredGrant, StoredKey};

/// Whether `grantee` (a grant's `GranteePrincipal`) names `caller`.
pub fn principal_is(grantee: &str, caller: &str) -> bool {
    if grantee == caller {
        return true;
    }
    let caller: Vec<&str> = caller.split(':').collect();
    let grantee: Vec<&str> = grantee.split(':').collect();
    match (caller.as_slice(), grantee.as_slice()) {
        (["arn", cp, "sts", "", ca, res], ["arn", gp, "iam", "", ga, role])
            if cp == gp && ca == ga =>
        {
            let mut parts = res.split('/');
            parts.next() == Some("assumed-role")
                && parts
                    .next()
                    .is_some_and(|r| role.strip_prefix("role/") == Some(r))
        }
        _ => false,
    }
}

/// The key's grants that allow `caller` the IAM `action` with this encryption context. For
/// CreateGrant, `new_operations` are the operations of the grant being made: a grant lets its
/// grantee create grants for the operations it lists only, and the new grant's constraint is
/// read as the encryption context its own constraint must hold for.
pub fn matching<'k>(
    key: &'k StoredKey,
    caller: &'k str,
    action: &'k str,
    encryption_context: &'k BTreeMap<String, String>,
    new_operations: &'k [String],
) -> impl Iterator<Item = &'k StoredGrant> + 'k {
    let operation = action.strip_prefix("kms:");
    key.grants.iter().filter(move |g| {
        operation.is_some_and(|op| g.allows_operation(op))
            && new_operations.iter().all(|o| g.allows_operation(o))
            && g.grantee_principal
                .as_deref()
                .is_some_and(|p| principal_is(p, caller))
            && g.constraint
                .as_ref()
                .is_none_or(|c| c.allows(encryption_context))
    })
}

/// Whether any grant of the key allows the request (see [`matching`]).
pub fn allows(
    key: &StoredKey,
    caller: &str,
    action: &str,
    encryption_context: &BTreeMap<String, String>,
    new_operations: &[String],
) -> bool {
    matching(key, caller, action, encryption_context, new_operations)
        .next()
        .is_some()
}

#[cfg(test)]
mod tests;
