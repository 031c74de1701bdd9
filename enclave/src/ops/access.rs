//! What every key-taking operation does before its own work: find the key, authorize the caller,
//! check the key's state and usage — in AWS's order and with AWS's errors.
//!
//! 1. [`resolve`]: the `KeyId` in any of its four forms. An ARN of another region is
//!    `NotFoundException: Invalid arn REGION`; of another account, `AccessDeniedException` (this
//!    service holds only its own account's keys, so no policy can allow it); a missing key or
//!    alias is `NotFoundException` with the ARN.
//! 2. [`authorize`]: the key policy, with the request's encryption context and attestation; if
//!    it does not allow (and does not explicitly deny), the key's grants
//!    ([`super::grant_access`]): a live grant naming the caller as grantee, listing the operation,
//!    whose constraint holds for the request's encryption context. A grant never skips the
//!    state and usage checks below: they run whatever authorized the request.
//! 3. [`require_usable`]: `DisabledException` / `KMSInvalidStateException` for cryptographic use.
//! 4. [`symmetric_material`]: `InvalidKeyUsageException` unless it is a SYMMETRIC_DEFAULT
//!    ENCRYPT_DECRYPT key with material; [`require_symmetric_algorithm`]: and unless the
//!    request's algorithm is SYMMETRIC_DEFAULT.
//!
//! The key is resolved once. [`resolve`] is the only place an alias becomes a key, and it yields
//! a [`Resolved`] key; only [`authorize`] turns that into an [`Authorized`] key, and sealing
//! (`super::ciphertext::seal_under`), the key id in an answer and a mutation's key id all come
//! from that one [`Authorized`] key. An operation that waits between authorizing and using its
//! key (GenerateDataKeyPair generates the pair meanwhile) keeps an [`AuthorizedKeyId`] and finds
//! the key again by that id only ([`AuthorizedKeyId::reload`]), never by the request's `KeyId`:
//! an alias moved meanwhile (UpdateAlias) cannot make it seal under a key the caller was never
//! authorized on (issue 15). The state checks are repeated on the reloaded key; the policy is not
//! evaluated again.

use std::collections::BTreeMap;
use std::ops::Deref;

use nitro_kms_api::types::{EncryptionAlgorithmSpec, KeySpec, KeyUsageType};
use nitro_kms_api::{KeyRef, KmsError, Operation};

use crate::context::Context;
use crate::keystore::{KeyMaterial, KeyStateRecord, Keystore, StoredKey};
use crate::policy::{self, AttestationFacts, Decision, RequestContext};

/// Whether an operation's `KeyId` may name an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aliases {
    /// Alias names and alias ARNs resolve to their key.
    Allowed,
    /// Only key IDs and key ARNs (key management operations).
    Refused,
}

/// A key found by [`resolve`] (or by an id the enclave holds, [`by_id`]), not yet authorized.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'k>(&'k StoredKey);

impl Deref for Resolved<'_> {
    type Target = StoredKey;

    fn deref(&self) -> &StoredKey {
        self.0
    }
}

/// A key resolved once and authorized for this request: what sealing, answers and mutations take,
/// so that nothing after the authorization can look the key up again by alias.
#[derive(Debug, Clone, Copy)]
pub struct Authorized<'k>(&'k StoredKey);

impl Deref for Authorized<'_> {
    type Target = StoredKey;

    fn deref(&self) -> &StoredKey {
        self.0
    }
}

impl<'k> Authorized<'k> {
    /// The stored key, borrowed for as long as the keystore is (what an operation returns a
    /// part of, such as Sign's private key, needs this lifetime rather than this value's).
    pub fn stored(self) -> &'k StoredKey {
        self.0
    }
}

impl Authorized<'_> {
    /// This key's id, to find the same key again after an await (the keystore's read lock is
    /// not held across one).
    pub fn id(&self) -> AuthorizedKeyId {
        AuthorizedKeyId(self.0.key_id.clone())
    }
}

/// The id of a key that was [`Authorized`] for this request, held across an await.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedKeyId(String);

impl AuthorizedKeyId {
    /// The same key again, found by its id only (never through an alias, which may have moved).
    /// A key deleted meanwhile is `NotFoundException`; the caller repeats its state checks.
    pub fn reload<'k>(&self, svc: &Context, ks: &'k Keystore) -> Result<Authorized<'k>, KmsError> {
        ks.key(&self.0)
            .map(Authorized)
            .ok_or_else(|| KmsError::not_found_key(&svc.identity.key_arn(&self.0)))
    }
}

/// The key with exactly this id (from a ciphertext blob's header or an alias's target), if any.
pub fn by_id<'k>(ks: &'k Keystore, key_id: &str) -> Option<Resolved<'k>> {
    ks.key(key_id).map(Resolved)
}

/// Finds the key `input` names. See the module docs for the errors.
pub fn resolve<'k>(
    svc: &Context,
    ks: &'k Keystore,
    caller: &str,
    op: Operation,
    input: &str,
    aliases: Aliases,
) -> Result<Resolved<'k>, KmsError> {
    let key_ref = KeyRef::parse(input)?;
    if let Some(region) = key_ref.region()
        && region != svc.identity.region
    {
        return Err(KmsError::invalid_arn_region(region));
    }
    if let Some(account) = key_ref.account()
        && account != svc.identity.account
    {
        return Err(KmsError::access_denied(caller, &op.iam_action(), input));
    }
    let key_id = match &key_ref {
        KeyRef::Id(id) | KeyRef::KeyArn { id, .. } => id.clone(),
        KeyRef::AliasName(name) | KeyRef::AliasArn { name, .. } => {
            if aliases == Aliases::Refused {
                return Err(KmsError::invalid_key_id(input));
            }
            match ks.alias(name) {
                Some(alias) => alias.target_key_id.clone(),
                None => return Err(KmsError::alias_not_found(&svc.identity.alias_arn(name))),
            }
        }
    };
    by_id(ks, &key_id).ok_or_else(|| KmsError::not_found_key(&svc.identity.key_arn(&key_id)))
}

/// Evaluates `key`'s policy for `op` and this request; the key is [`Authorized`] if it allows.
pub fn authorize<'k>(
    svc: &Context,
    key: Resolved<'k>,
    caller: &str,
    op: Operation,
    encryption_context: &BTreeMap<String, String>,
    attestation: Option<&AttestationFacts>,
) -> Result<Authorized<'k>, KmsError> {
    authorize_action(
        svc,
        key,
        caller,
        &op.iam_action(),
        encryption_context,
        attestation,
    )
}

/// Evaluates `key`'s policy for the IAM `action` (ReEncrypt checks `kms:ReEncryptFrom` and
/// `kms:ReEncryptTo`, not its operation's name), then the key's grants. An unparsable stored
/// policy denies (it cannot be stored through PutKeyPolicy, so only a bug gets here).
pub fn authorize_action<'k>(
    svc: &Context,
    key: Resolved<'k>,
    caller: &str,
    action: &str,
    encryption_context: &BTreeMap<String, String>,
    attestation: Option<&AttestationFacts>,
) -> Result<Authorized<'k>, KmsError> {
    authorize_with_keys(
        svc,
        key,
        caller,
        action,
        encryption_context,
        attestation,
        BTreeMap::new(),
    )
}

/// [`authorize_action`] with further condition keys for the policy (CreateGrant's and
/// ListGrants' grant keys). AWS's rule ("Grants in AWS KMS", "Authorization"): a request is
/// allowed if the key policy allows it or a grant does; an explicit `Deny` in the key policy
/// wins over any grant. A grant allows when it is on this key, names the caller as grantee,
/// lists the action's operation, and its constraint holds for the request's encryption context
/// ([`super::grant_access`]). Grants here take effect at once: a grant works with or without its
/// token.
pub fn authorize_with_keys<'k>(
    svc: &Context,
    key: Resolved<'k>,
    caller: &str,
    action: &str,
    encryption_context: &BTreeMap<String, String>,
    attestation: Option<&AttestationFacts>,
    condition_keys: BTreeMap<String, Vec<String>>,
) -> Result<Authorized<'k>, KmsError> {
    let key_arn = svc.identity.key_arn(&key.key_id);
    let ctx = RequestContext {
        principal_arn: caller.to_owned(),
        action: action.to_owned(),
        key_arn,
        encryption_context: encryption_context.clone(),
        attestation: attestation.cloned(),
        condition_keys,
    };
    let Ok(policy) = svc.policies.get(&key.key_id, &key.policy) else {
        return Err(KmsError::access_denied(
            &ctx.principal_arn,
            &ctx.action,
            &ctx.key_arn,
        ));
    };
    match policy.evaluate(&ctx) {
        Decision::Allow => Ok(Authorized(key.0)),
        Decision::ImplicitDeny
            if super::grant_access::allows(
                &key,
                caller,
                action,
                encryption_context,
                ctx.condition_keys
                    .get("kms:grantoperations")
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ) =>
        {
            Ok(Authorized(key.0))
        }
        Decision::ExplicitDeny | Decision::ImplicitDeny => {
            policy::authorize(&policy, &ctx).map(|()| Authorized(key.0))
        }
    }
}

/// Refuses a key that is not enabled, as cryptographic operations do.
pub fn require_usable(svc: &Context, key: &StoredKey) -> Result<(), KmsError> {
    match key.state {
        KeyStateRecord::Enabled => Ok(()),
        KeyStateRecord::Disabled => Err(KmsError::disabled(&svc.identity.key_arn(&key.key_id))),
        KeyStateRecord::PendingDeletion { .. } => Err(KmsError::pending_deletion(
            &svc.identity.key_arn(&key.key_id),
        )),
        KeyStateRecord::PendingImport => {
            Err(KmsError::pending_import(&svc.identity.key_arn(&key.key_id)))
        }
        KeyStateRecord::PendingReplicaDeletion { .. } => Err(KmsError::pending_replica_deletion(
            &svc.identity.key_arn(&key.key_id),
        )),
    }
}

/// Refuses a key pending deletion, or pending replica deletion (a multi-Region primary waiting
/// for its replicas' deletion, which AWS treats the same way): key management operations that
/// work on disabled keys.
pub fn require_not_pending_deletion(svc: &Context, key: &StoredKey) -> Result<(), KmsError> {
    match key.state {
        KeyStateRecord::PendingDeletion { .. } => Err(KmsError::pending_deletion(
            &svc.identity.key_arn(&key.key_id),
        )),
        KeyStateRecord::PendingReplicaDeletion { .. } => Err(KmsError::pending_replica_deletion(
            &svc.identity.key_arn(&key.key_id),
        )),
        _ => Ok(()),
    }
}

/// The material of a symmetric encryption key, or `InvalidKeyUsageException` for `op`.
pub fn symmetric_material<'k>(
    svc: &Context,
    key: &'k StoredKey,
    op: Operation,
) -> Result<&'k KeyMaterial, KmsError> {
    let usage_error = || {
        KmsError::invalid_key_usage(
            &svc.identity.key_arn(&key.key_id),
            key.key_usage.as_str(),
            op.name(),
        )
    };
    if key.key_spec != KeySpec::SymmetricDefault || key.key_usage != KeyUsageType::EncryptDecrypt {
        return Err(usage_error());
    }
    key.material.as_ref().ok_or_else(usage_error)
}

/// An encryption context as the sorted map the blob format and policies use.
pub fn context_map(
    context: Option<&std::collections::HashMap<String, String>>,
) -> BTreeMap<String, String> {
    context
        .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// `DryRunOperationException` when `dry_run` is set (every check before it passed).
pub fn dry_run(dry_run: Option<bool>) -> Result<(), KmsError> {
    match dry_run {
        Some(true) => Err(KmsError::dry_run()),
        _ => Ok(()),
    }
}

/// Tags from a request as the keystore keeps them (tag key -> value; a later duplicate wins, but
/// duplicates were already refused by validation).
pub fn tag_map(tags: Option<Vec<nitro_kms_api::types::Tag>>) -> BTreeMap<String, String> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| {
            (
                t.tag_key.unwrap_or_default(),
                t.tag_value.unwrap_or_default(),
            )
        })
        .collect()
}

/// Symmetric keys only do SYMMETRIC_DEFAULT; an RSAES algorithm with one is a usage error in
/// AWS's words for an algorithm that is not the key spec's: `Algorithm RSAES_OAEP_SHA_256 is
/// incompatible with key spec SYMMETRIC_DEFAULT.` (the wording real AWS gives the reverse case,
/// `SYMMETRIC_DEFAULT` with an RSA key; see [`super::rsa_encryption_key`]).
pub fn require_symmetric_algorithm(
    key: &StoredKey,
    algorithm: Option<EncryptionAlgorithmSpec>,
) -> Result<(), KmsError> {
    match algorithm {
        None | Some(EncryptionAlgorithmSpec::SymmetricDefault) => Ok(()),
        Some(other) => Err(KmsError::incompatible_algorithm(
            other.as_str(),
            key.key_spec.as_str(),
        )),
    }
}
