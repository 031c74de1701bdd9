//! RotateKeyOnDemand: new key material becomes current at once; the replaced material stays, so
//! its ciphertexts still decrypt. The automatic schedule is unchanged (the operation's
//! documentation: "On-demand rotations do not change existing automatic rotation schedules").
//!
//! AWS's checks in order: the key (key ID or key ARN), the key policy (`kms:RotateKeyOnDemand`),
//! the state (`DisabledException`, `KMSInvalidStateException`), the key type
//! (`UnsupportedOperationException`, empty message), then the limit: at most 25 on-demand
//! rotations per key (`LimitExceededException` with AWS's message, aws-kms-real-errors.txt
//! test_key_rotations_limits). A rotation here completes before the answer, so no rotation is
//! ever in progress and `ConflictException` only reports a lost race with another writer.
//!
//! A multi-Region key rotates on its primary only (AWS: "invoke the on-demand rotation on the
//! primary key"; a replica answers the not-primary `UnsupportedOperationException`), and the new
//! material reaches every replica in the same commit, so new ciphertexts decrypt everywhere.

use std::sync::Arc;

use nitro_kms_api::ops::{RotateKeyOnDemandRequest, RotateKeyOnDemandResponse};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::key_rotation::{self, States};
use super::multi_region_key::{commit_to_every_copy, require_not_replica};
use crate::context::Context;
use crate::keystore::{MAX_ON_DEMAND_ROTATIONS, Mutation, RotationKind};

const OP: Operation = Operation::RotateKeyOnDemand;

/// Runs RotateKeyOnDemand for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: RotateKeyOnDemandRequest,
) -> Result<RotateKeyOnDemandResponse, KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let material = key_rotation::new_material()?;
    let at_ms = (svc.clock)();
    let mutation = svc.store.read(|ks| {
        let key = key_rotation::rotatable_key(svc, ks, caller, OP, &key_id, States::EnabledOnly)?;
        let config = require_not_replica(svc, &key)?;
        if key.rotation.on_demand_count >= MAX_ON_DEMAND_ROTATIONS {
            return Err(KmsError::new(
                KmsErrorType::LimitExceeded,
                format!(
                    "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
                    svc.identity.key_arn(&key.key_id)
                ),
            ));
        }
        Ok((
            key.key_id.clone(),
            config,
            Mutation::RotateKey {
                key_id: key.key_id.clone(),
                material,
                at_ms,
                kind: RotationKind::OnDemand,
            },
        ))
    })?;
    let (key_id, config, mutation) = mutation;
    commit_to_every_copy(svc, config, mutation).await?;
    Ok(RotateKeyOnDemandResponse {
        key_id: Some(key_id),
    })
}

#[cfg(test)]
mod tests;
