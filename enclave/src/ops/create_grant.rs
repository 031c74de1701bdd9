//! CreateGrant: gives a principal permission to use a key for some operations (issue 18).
//!
//! AWS's order (see [`super::access`]): the key by key ID or key ARN (an alias is refused, as
//! for the other grant operations); the grant tokens of the request ([`super::grant_tokens`]);
//! authorization for `kms:CreateGrant` with the grant condition keys on the request
//! (`kms:GrantOperations`, `kms:GranteePrincipal`, `kms:RetiringPrincipal`,
//! `kms:GrantConstraintType`, `kms:GrantIsForAWSResource` — always `false` here, as no AWS
//! service calls this service); the key state (Disabled is `DisabledException`, pending deletion
//! `KMSInvalidStateException`, AWS's key state table); the operations against the key's usage
//! (a grant for an operation the key cannot do is `ValidationException`); `DryRun`.
//!
//! A grantee may create grants through a grant that lists CreateGrant, only for operations that
//! grant lists and under its constraint ("Grants in AWS KMS": "the grantee can create grants with
//! the same or fewer permissions"): [`super::grant_access`] checks this with the request's
//! `kms:GrantOperations`.
//!
//! `Name` makes the request idempotent as AWS documents: a grant on the key with the same name
//! and the same parameters answers its existing `GrantId` (with a new token); otherwise a new
//! grant is made. The token is minted after the commit, under the token key the keystore holds,
//! so a token is only ever made under the key every enclave of this service checks it with.

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::ops::grants::{GrantConstraints, GrantOperation};
use nitro_kms_api::ops::{CreateGrantRequest, CreateGrantResponse};
use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::grant_token::{self, TOKEN_KEY_LEN};

use super::access::{self, Aliases};
use super::grant_tokens;
use crate::context::Context;
use crate::keystore::{GrantConstraint, GrantTokenKey, Mutation, StoredGrant, StoredKey};

const OP: Operation = Operation::CreateGrant;

/// AWS's quota: grants per KMS key ("Grants per KMS key: 50,000").
pub const MAX_GRANTS_PER_KEY: usize = 50_000;

/// Runs CreateGrant for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: CreateGrantRequest,
) -> Result<CreateGrantResponse, KmsError> {
    let key_id = req.key_id.clone().unwrap_or_default();
    let operations = req.operations();
    let constraint = constraint(req.constraints.as_ref());
    let grant_id = nitro_kms_crypto::random_array::<32>().map_err(internal)?;
    let fresh_token_key = nitro_kms_crypto::random_secret(TOKEN_KEY_LEN).map_err(internal)?;
    let now = (svc.clock)();
    let decided = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        grant_tokens::check(ks, req.grant_tokens.as_deref())?;
        let context = constraint
            .as_ref()
            .map(|c| match c {
                GrantConstraint::Subset(m) | GrantConstraint::Equals(m) => m.clone(),
            })
            .unwrap_or_default();
        let keys = condition_keys(&req, &operations, constraint.as_ref());
        let key = access::authorize_with_keys(
            svc,
            key,
            caller,
            &OP.iam_action(),
            &context,
            None,
            keys,
        )?;
        access::require_usable(svc, &key)?;
        check_operations_fit_key(&key, &operations)?;
        access::dry_run(req.dry_run)?;
        let grant = StoredGrant {
            grant_id,
            grantee_principal: req.grantee_principal.clone(),
            grantee_service_principal: req.grantee_service_principal.clone(),
            retiring_principal: req.retiring_principal.clone(),
            retiring_service_principal: req.retiring_service_principal.clone(),
            operations: operations.iter().map(|o| o.as_str().to_owned()).collect(),
            constraint: constraint.clone(),
            name: req.name.clone(),
            creation_date_ms: now,
            issuing_account: format!(
                "arn:{}:iam::{}:root",
                svc.identity.partition(),
                svc.identity.account
            ),
        };
        if let Some(same) = key.grants.iter().find(|g| same_request(g, &grant)) {
            return Ok::<_, KmsError>((key.key_id.clone(), same.grant_id, None));
        }
        if key.grants.len() >= MAX_GRANTS_PER_KEY {
            return Err(KmsError::new(
                KmsErrorType::LimitExceeded,
                format!(
                    "The request was rejected because the number of grants on {} would exceed the limit of {MAX_GRANTS_PER_KEY}.",
                    svc.identity.key_arn(&key.key_id)
                ),
            ));
        }
        let mutation = Mutation::CreateGrant {
            key_id: key.key_id.clone(),
            grant,
            token_key: ks
                .grant_token_key()
                .is_none()
                .then(|| GrantTokenKey(fresh_token_key.clone())),
        };
        Ok((key.key_id.clone(), grant_id, Some(mutation)))
    })?;
    let (key_id, grant_id, mutation) = decided;
    if let Some(m) = mutation {
        super::commit::commit(svc, m).await?;
    }
    let nonce = nitro_kms_crypto::random_array::<16>().map_err(internal)?;
    let token = svc.store.read(|ks| {
        ks.grant_token_key()
            .map(|k| grant_token::mint(&k.0, &grant_id, &nonce, &key_id))
            .ok_or_else(|| KmsError::internal("The grant token key is missing."))
    })?;
    Ok(CreateGrantResponse {
        grant_id: Some(nitro_kms_crypto::hex_lower(&grant_id)),
        grant_token: Some(token),
    })
}

fn internal(_: nitro_kms_crypto::CryptoError) -> KmsError {
    KmsError::internal("The random number generator failed.")
}

/// The request's constraint as the keystore keeps it (validation refused two at once).
fn constraint(c: Option<&GrantConstraints>) -> Option<GrantConstraint> {
    let sorted = |m: &std::collections::HashMap<String, String>| -> BTreeMap<String, String> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let c = c?;
    if let Some(m) = &c.encryption_context_equals {
        return Some(GrantConstraint::Equals(sorted(m)));
    }
    c.encryption_context_subset
        .as_ref()
        .map(|m| GrantConstraint::Subset(sorted(m)))
}

/// The grant condition keys of the request (lower-case names, as the policy engine looks them up).
fn condition_keys(
    req: &CreateGrantRequest,
    operations: &[GrantOperation],
    constraint: Option<&GrantConstraint>,
) -> BTreeMap<String, Vec<String>> {
    let mut keys = BTreeMap::new();
    keys.insert(
        "kms:grantoperations".to_owned(),
        operations.iter().map(|o| o.as_str().to_owned()).collect(),
    );
    if let Some(p) = &req.grantee_principal {
        keys.insert("kms:granteeprincipal".to_owned(), vec![p.clone()]);
    }
    if let Some(p) = &req.retiring_principal {
        keys.insert("kms:retiringprincipal".to_owned(), vec![p.clone()]);
    }
    if let Some(c) = constraint {
        keys.insert(
            "kms:grantconstrainttype".to_owned(),
            vec![c.type_name().to_owned()],
        );
    }
    keys.insert(
        "kms:grantisforawsresource".to_owned(),
        vec!["false".to_owned()],
    );
    keys
}

/// The operations a key of this spec and usage can do, besides the three every key's grants may
/// list (CreateGrant, RetireGrant, DescribeKey).
fn operations_for(key: &StoredKey) -> &'static [GrantOperation] {
    use GrantOperation as G;
    match (key.key_usage, key.key_spec == KeySpec::SymmetricDefault) {
        (KeyUsageType::EncryptDecrypt, true) => &[
            G::Decrypt,
            G::Encrypt,
            G::GenerateDataKey,
            G::GenerateDataKeyWithoutPlaintext,
            G::ReEncryptFrom,
            G::ReEncryptTo,
            G::GenerateDataKeyPair,
            G::GenerateDataKeyPairWithoutPlaintext,
        ],
        (KeyUsageType::EncryptDecrypt, false) => &[
            G::Decrypt,
            G::Encrypt,
            G::ReEncryptFrom,
            G::ReEncryptTo,
            G::GetPublicKey,
        ],
        (KeyUsageType::SignVerify, _) => &[G::Sign, G::Verify, G::GetPublicKey],
        (KeyUsageType::GenerateVerifyMac, _) => &[G::GenerateMac, G::VerifyMac],
        (KeyUsageType::KeyAgreement, _) => &[G::DeriveSharedSecret, G::GetPublicKey],
        (KeyUsageType::EncapsulateDecapsulate, _) => {
            &[G::Encapsulate, G::Decapsulate, G::GetPublicKey]
        }
    }
}

/// `ValidationException` for operations the key cannot do (AWS's CreateGrant documentation:
/// "the operations in the grant must be supported by the KMS key", e.g. GenerateDataKey on a
/// SIGN_VERIFY key). The message is this service's: no public record of AWS's was found.
fn check_operations_fit_key(
    key: &StoredKey,
    operations: &[GrantOperation],
) -> Result<(), KmsError> {
    let common = [
        GrantOperation::CreateGrant,
        GrantOperation::RetireGrant,
        GrantOperation::DescribeKey,
    ];
    let allowed = operations_for(key);
    let invalid: Vec<&str> = operations
        .iter()
        .filter(|o| !common.contains(o) && !allowed.contains(o))
        .map(|o| o.as_str())
        .collect();
    if invalid.is_empty() {
        return Ok(());
    }
    Err(KmsError::validation(format!(
        "Grant operations {} are not valid for a key with KeySpec {} and KeyUsage {}",
        invalid.join(", "),
        key.key_spec.as_str(),
        key.key_usage.as_str()
    )))
}

/// Whether `existing` is the grant `new` asks for again (same name and parameters).
fn same_request(existing: &StoredGrant, new: &StoredGrant) -> bool {
    new.name.is_some()
        && existing.name == new.name
        && existing.grantee_principal == new.grantee_principal
        && existing.grantee_service_principal == new.grantee_service_principal
        && existing.retiring_principal == new.retiring_principal
        && existing.retiring_service_principal == new.retiring_service_principal
        && existing.operations == new.operations
        && existing.constraint == new.constraint
}

#[cfg(test)]
mod tests;
