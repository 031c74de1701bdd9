//! Steps the multi-Region operations share (issue 18): find and authorize a multi-Region primary
//! key, reach the other regions' copies of it, and build the one batch of mutations that changes
//! every copy together.
//!
//! Every region's copy of a multi-Region key stores the same [`MultiRegionConfig`]; ReplicateKey
//! and UpdatePrimaryRegion change it in every region, and a rotation of the primary gives every
//! replica the new material, each as one [`Mutation::Batch`] record (one journal record, so the
//! copies never disagree after a crash).
//!
//! AWS's answers used here: a key that is not a multi-Region primary key is
//! `UnsupportedOperationException` `<key-arn> is not a multi-region primary key.` (recorded,
//! aws-kms-real-errors.txt test_replicate_replica_key_should_fail; used for single-Region keys
//! too). A region this service does not serve is `UnsupportedOperationException` (the model lists
//! it for both operations; AWS's exact text for a region it cannot replicate into is not in the
//! public material, so the message says what happened).

use std::sync::Arc;

use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases, Authorized};
use crate::context::Context;
use crate::keystore::{Keystore, MultiRegionConfig, Mutation, StoredKey};

/// `<key-arn> is not a multi-region primary key.` (`UnsupportedOperationException`).
pub fn not_primary(svc: &Context, key: &StoredKey) -> KmsError {
    KmsError::new(
        KmsErrorType::UnsupportedOperation,
        format!(
            "{} is not a multi-region primary key.",
            svc.identity.key_arn(&key.key_id)
        ),
    )
}

/// Finds `key_id` (key ID or key ARN; an alias is refused as for other key management
/// operations), authorizes `op` on it, and requires a multi-Region primary key in this region:
/// the key and its configuration.
pub fn primary_key<'k>(
    svc: &Context,
    ks: &'k Keystore,
    caller: &str,
    op: Operation,
    key_id: &str,
) -> Result<(Authorized<'k>, MultiRegionConfig), KmsError> {
    let key = access::resolve(svc, ks, caller, op, key_id, Aliases::Refused)?;
    let key = access::authorize(svc, key, caller, op, &Default::default(), None)?;
    match key.multi_region_in(&svc.identity.region) {
        Some(config) if config.primary_region == svc.identity.region => Ok((key, config)),
        _ => Err(not_primary(svc, &key)),
    }
}

/// The context of `region`, or `UnsupportedOperationException` if this service does not serve it.
pub fn region_context(svc: &Arc<Context>, region: &str) -> Result<Arc<Context>, KmsError> {
    svc.in_region(region).ok_or_else(|| {
        KmsError::new(
            KmsErrorType::UnsupportedOperation,
            format!("Region {region} is not served by this key service."),
        )
    })
}

/// `make(region's context)` for every region of `config` but this one, each wrapped for its
/// region ([`SealedKeystore::regional`](crate::storage::sealed_store::SealedKeystore::regional)):
/// the other copies' part of a batch. A region no longer served is skipped (its copy stays as it
/// was until the region is served again).
pub fn in_other_regions(
    svc: &Arc<Context>,
    config: &MultiRegionConfig,
    mut make: impl FnMut(&Context) -> Mutation,
) -> Vec<Mutation> {
    config
        .regions()
        .filter(|region| *region != svc.identity.region)
        .filter_map(|region| svc.in_region(region))
        .map(|other| other.store.regional(make(&other)))
        .collect()
}

/// `mutation` of this region's copy and the same change in every other region's copy of a
/// multi-Region key (`make` builds each), as one batch; just `mutation` for a key without
/// replicas. What rotating a primary key commits.
pub fn everywhere(
    svc: &Arc<Context>,
    config: Option<&MultiRegionConfig>,
    mutation: Mutation,
    make: impl FnMut(&Context) -> Mutation,
) -> Vec<Mutation> {
    let mut all = vec![svc.store.regional(mutation)];
    if let Some(config) = config {
        all.extend(in_other_regions(svc, config, make));
    }
    all
}

/// Commits `mutation` of a key and, for a multi-Region key with replicas (`config`), the same
/// mutation of every replica in one batch: what changes the properties the copies share
/// (material, rotation schedule). A key without replicas commits `mutation` alone, as before.
pub async fn commit_to_every_copy(
    svc: &Arc<Context>,
    config: Option<MultiRegionConfig>,
    mutation: Mutation,
) -> Result<(), KmsError> {
    match config {
        Some(config) if !config.replica_regions.is_empty() => {
            let batch = everywhere(svc, Some(&config), mutation.clone(), |_| mutation.clone());
            super::commit::commit_batch(svc, batch).await
        }
        _ => super::commit::commit(svc, mutation).await,
    }
}

/// Refuses a replica of a multi-Region key for an operation that changes a shared property:
/// AWS takes those on the primary only ("set the property on the primary key") and answers a
/// replica with its not-primary error. The key's configuration otherwise.
pub fn require_not_replica(
    svc: &Context,
    key: &StoredKey,
) -> Result<Option<MultiRegionConfig>, KmsError> {
    match key.multi_region_in(&svc.identity.region) {
        Some(config) if config.primary_region != svc.identity.region => Err(not_primary(svc, key)),
        config => Ok(config),
    }
}

/// `own` for this region's copy of a multi-Region key and `other()` for every other region's copy
/// (each wrapped for its region), for the housekeeping jobs, which hold a plain [`Context`]: the
/// other regions are reached through the configured region's context. A region that cannot be
/// reached yet is an error, so the job waits for its next pass rather than let the copies differ.
pub fn with_other_copies(
    svc: &Context,
    config: &MultiRegionConfig,
    own: Mutation,
    other: impl Fn() -> Mutation,
) -> Result<Vec<Mutation>, KmsError> {
    let mut parts = vec![svc.store.regional(own)];
    for region in config.regions().filter(|r| *r != svc.identity.region) {
        parts.push(copy_in(svc, region)?.store.regional(other()));
    }
    Ok(parts)
}

/// The context of `region` for a housekeeping job holding a plain [`Context`] (reached through
/// the configured region's context), or an internal error if it cannot be reached yet, so the
/// job waits for its next pass.
pub fn copy_in(svc: &Context, region: &str) -> Result<Arc<Context>, KmsError> {
    svc.regions
        .configured()
        .and_then(|home| home.in_region(region))
        .ok_or_else(|| KmsError::internal(format!("region {region} not reachable yet")))
}
