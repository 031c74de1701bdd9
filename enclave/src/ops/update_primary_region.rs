//! UpdatePrimaryRegion (issue 18): the replica of a multi-Region key in `PrimaryRegion` becomes
//! the primary key and the old primary a replica; every region's copy learns it in one commit.
//! No key is created and nothing but the configuration changes (material, policies, states stay).
//!
//! Checks in AWS's order: the key (key ID or key ARN), `kms:UpdatePrimaryRegion` in the current
//! primary's policy, a multi-Region primary key (`UnsupportedOperationException`, the recorded
//! message of ReplicateKey's same check), its state (`DisabledException`,
//! `KMSInvalidStateException`), then the new primary region: served here
//! (`UnsupportedOperationException`), not the current primary's
//! (`UnsupportedOperationException`: AWS's text for this is not public), holding a replica
//! (`NotFoundException` naming the key's ARN in that region, AWS's message for a missing key),
//! and `kms:UpdatePrimaryRegion` in that replica's own policy (the operation's documentation
//! requires the permission on both keys). AWS's transient `Updating` state is not shown: the
//! change is complete when the answer is sent.

use std::sync::Arc;

use nitro_kms_api::ops::UpdatePrimaryRegionRequest;
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access;
use super::multi_region_key::{everywhere, primary_key, region_context};
use crate::context::Context;
use crate::keystore::{KeyStateRecord, MultiRegionConfig, Mutation};

const OP: Operation = Operation::UpdatePrimaryRegion;

/// Runs UpdatePrimaryRegion for `caller` in the current primary key's region.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: UpdatePrimaryRegionRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let region = req.primary_region.as_deref().unwrap_or_default();
    let (id, config) = svc.store.read(|ks| {
        let (key, config) = primary_key(svc, ks, caller, OP, key_id)?;
        if key.state == KeyStateRecord::Disabled {
            return Err(KmsError::disabled(&svc.identity.key_arn(&key.key_id)));
        }
        access::require_not_pending_deletion(svc, &key)?;
        Ok((key.key_id.clone(), config))
    })?;
    let target = region_context(svc, region)?;
    if region == svc.identity.region {
        return Err(KmsError::new(
            KmsErrorType::UnsupportedOperation,
            format!(
                "{} is already the primary key in {region}.",
                svc.identity.key_arn(&id)
            ),
        ));
    }
    target.store.read(|ks| {
        let arn = target.identity.key_arn(&id);
        match access::by_id(ks, &id) {
            Some(replica) if config.replica_regions.iter().any(|r| r == region) => {
                access::authorize(&target, replica, caller, OP, &Default::default(), None)
                    .map(|_| ())
            }
            _ => Err(KmsError::not_found_key(&arn)),
        }
    })?;
    let updated = swapped(&config, &svc.identity.region, region);
    let set = || Mutation::SetMultiRegion {
        key_id: id.clone(),
        config: Box::new(updated.clone()),
    };
    let batch = everywhere(svc, Some(&config), set(), |_| set());
    super::commit::commit_batch(svc, batch).await
}

/// `config` with `new_primary` (one of its replica regions) as the primary and `old_primary`
/// among the replicas (sorted).
fn swapped(config: &MultiRegionConfig, old_primary: &str, new_primary: &str) -> MultiRegionConfig {
    let mut replica_regions: Vec<String> = config
        .replica_regions
        .iter()
        .filter(|r| *r != new_primary)
        .cloned()
        .chain(std::iter::once(old_primary.to_owned()))
        .collect();
    replica_regions.sort();
    MultiRegionConfig {
        primary_region: new_primary.to_owned(),
        replica_regions,
    }
}

#[cfg(test)]
mod tests;
