//! ReplicateKey (issue 18): a copy of a multi-Region primary key in another region this service
//! serves, with the same key id, spec, usage, origin, material (every rotation's) and rotation
//! schedule — so ciphertexts of either decrypt with the other — and its own policy (AWS's default
//! key policy if none is given, not the primary's), description, tags, state and aliases.
//!
//! Checks in AWS's order: the key (key ID or key ARN), `kms:ReplicateKey` in the primary's
//! policy, a multi-Region primary key (`UnsupportedOperationException`, recorded message), its
//! state (`DisabledException`, `KMSInvalidStateException`), then the replica region: this
//! service must serve it (`UnsupportedOperationException`), it must not be the primary's own
//! (`UnsupportedOperationException`) and must not hold a replica yet (`AlreadyExistsException`,
//! as the operation's documentation says), then the new policy (`MalformedPolicyDocumentException`
//! and the lockout check, as CreateKey).
//!
//! AWS also requires `kms:CreateKey` (and `kms:TagResource` for `Tags`) in an IAM policy of the
//! replica region. This service has no IAM policies: CreateKey is allowed to every caller of the
//! account (as AWS's default key policy's account root statement allows), so nothing more is
//! evaluated for the replica region.
//!
//! A primary key with imported material gets a replica without material (`PendingImport`), which
//! accepts only the primary's material (AWS: "You must import the same key material"). The
//! replica is `Enabled` at once: the transient `Creating` state AWS shows for a few seconds has
//! nothing to wait for here. Every region's copy learns the new replica in the same commit.

use std::sync::Arc;

use nitro_kms_api::ops::{ReplicateKeyRequest, ReplicateKeyResponse};
use nitro_kms_api::types::Tag;
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access;
use super::create_key::check_new_policy;
use super::describe_key::metadata;
use super::multi_region_key::{everywhere, primary_key, region_context};
use crate::context::Context;
use crate::keystore::{ImportedOrigin, KeyRotation, KeyStateRecord, Mutation, StoredKey};
use crate::policy;

const OP: Operation = Operation::ReplicateKey;

/// Runs ReplicateKey for `caller` in the primary key's region.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ReplicateKeyRequest,
) -> Result<ReplicateKeyResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let region = req.replica_region.as_deref().unwrap_or_default();
    let (primary, mut config) = svc.store.read(|ks| {
        let (key, config) = primary_key(svc, ks, caller, OP, key_id)?;
        if key.state == KeyStateRecord::Disabled {
            return Err(KmsError::disabled(&svc.identity.key_arn(&key.key_id)));
        }
        access::require_not_pending_deletion(svc, &key)?;
        Ok((key.stored().clone(), config))
    })?;
    let replica_svc = region_context(svc, region)?;
    if region == svc.identity.region {
        return Err(KmsError::new(
            KmsErrorType::UnsupportedOperation,
            format!(
                "Replica region {region} is the region of the primary key {}.",
                svc.identity.key_arn(&primary.key_id)
            ),
        ));
    }
    let replica_arn = replica_svc.identity.key_arn(&primary.key_id);
    if config.replica_regions.iter().any(|r| r == region)
        || replica_svc
            .store
            .read(|ks| ks.key(&primary.key_id).is_some())
    {
        return Err(KmsError::new(
            KmsErrorType::AlreadyExists,
            format!("Replica key {replica_arn} already exists."),
        ));
    }
    let policy_text = match req.policy {
        Some(text) => {
            check_new_policy(
                caller,
                &replica_arn,
                &text,
                req.bypass_policy_lockout_safety_check == Some(true),
            )?;
            text
        }
        None => policy::default_policy(&replica_svc.identity.account),
    };
    let known = config.clone();
    config.replica_regions.push(region.to_owned());
    config.replica_regions.sort();
    let replica = replica_of(
        &primary,
        &config,
        (replica_svc.clock)(),
        policy_text,
        req.description.unwrap_or_default(),
        req.tags,
    );
    let described = metadata(&replica_svc, &replica);
    let response = ReplicateKeyResponse {
        replica_key_metadata: Some(described),
        replica_policy: Some(replica.policy.clone()),
        replica_tags: Some(
            replica
                .tags
                .iter()
                .map(|(k, v)| Tag {
                    tag_key: Some(k.clone()),
                    tag_value: Some(v.clone()),
                })
                .collect(),
        ),
    };
    // Every copy so far learns the new replica; the new one is created with it.
    let learn = || Mutation::SetMultiRegion {
        key_id: primary.key_id.clone(),
        config: Box::new(config.clone()),
    };
    let mut batch = everywhere(svc, Some(&known), learn(), |_| learn());
    batch.push(replica_svc.store.regional(Mutation::CreateKey(replica)));
    super::commit::commit_batch(svc, batch).await?;
    Ok(response)
}

/// The replica of `primary`: its shared properties (id, spec, usage, origin, material and every
/// earlier material, rotation schedule and history) and the replica's own policy, description,
/// tags and state.
fn replica_of(
    primary: &StoredKey,
    config: &crate::keystore::MultiRegionConfig,
    now_ms: u64,
    policy: String,
    description: String,
    tags: Option<Vec<Tag>>,
) -> StoredKey {
    let imported = primary.import.as_ref().map(|import| {
        Box::new(ImportedOrigin {
            first_material_id: import.first_material_id,
            valid_to_ms: None,
        })
    });
    StoredKey {
        key_id: primary.key_id.clone(),
        creation_date_ms: now_ms,
        description,
        key_spec: primary.key_spec,
        key_usage: primary.key_usage,
        state: match imported {
            Some(_) => KeyStateRecord::PendingImport,
            None => KeyStateRecord::Enabled,
        },
        policy,
        tags: access::tag_map(tags),
        material: match imported {
            Some(_) => None,
            None => primary.material.clone(),
        },
        rotation: match imported {
            Some(_) => KeyRotation::default(),
            None => primary.rotation.clone(),
        },
        import: imported,
        // Grants are not shared between a key and its replicas (AWS: "grants ... are not
        // shared" among related multi-Region keys): the replica starts with none.
        grants: Vec::new(),
        multi_region: Some(Box::new(config.clone())),
    }
}

#[cfg(test)]
mod tests;
