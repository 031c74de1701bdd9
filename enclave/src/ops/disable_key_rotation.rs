//! DisableKeyRotation: turns off automatic rotation (HTTP 200, empty body). Same checks as
//! EnableKeyRotation (model errors: `DisabledException` for a disabled key,
//! `KMSInvalidStateException` pending deletion, `UnsupportedOperationException` for keys that do
//! not rotate). Earlier materials stay, so their ciphertexts still decrypt. Multi-Region keys: as
//! EnableKeyRotation (primary only, every replica in the same commit).

use std::sync::Arc;

use nitro_kms_api::ops::DisableKeyRotationRequest;
use nitro_kms_api::{KmsError, Operation};

use super::key_rotation::{self, States};
use super::multi_region_key::{commit_to_every_copy, require_not_replica};
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::DisableKeyRotation;

/// Runs DisableKeyRotation for `caller`; nothing is journaled when rotation is already off.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DisableKeyRotationRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let key = key_rotation::rotatable_key(svc, ks, caller, OP, &key_id, States::EnabledOnly)?;
        let config = require_not_replica(svc, &key)?;
        Ok::<_, KmsError>(key.rotation.enabled.then(|| {
            (
                Mutation::SetKeyRotation {
                    key_id: key.key_id.clone(),
                    enabled: false,
                    period_days: None,
                    next_rotation_ms: None,
                },
                config,
            )
        }))
    })?;
    match mutation {
        Some((m, config)) => commit_to_every_copy(svc, config, m).await,
        None => Ok(()),
    }
}
