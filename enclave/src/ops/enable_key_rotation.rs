//! EnableKeyRotation: turns on automatic rotation of a symmetric encryption key (HTTP 200, empty
//! body: the model gives the operation no output).
//!
//! AWS's checks in order (model errors; key state table): the key by key ID or key ARN, the key
//! policy (`kms:EnableKeyRotation`), the key state (Disabled is `DisabledException`, pending
//! deletion `KMSInvalidStateException`), then the key type (`UnsupportedOperationException` for
//! anything but a symmetric encryption key). `RotationPeriodInDays` (90..=2560, validated by the
//! API crate) defaults to 365; the first automatic rotation is one period after enabling. Enabling
//! again with the period already in force keeps the schedule; another period starts it anew.
//! A multi-Region key's schedule is set on its primary and reaches every replica in one commit
//! (AWS: "To enable or disable automatic rotation of a set of related multi-Region keys, set the
//! property on the primary key"); a replica answers the not-primary
//! `UnsupportedOperationException`.

use std::sync::Arc;

use nitro_kms_api::ops::EnableKeyRotationRequest;
use nitro_kms_api::ops::rotation::DEFAULT_ROTATION_PERIOD_DAYS;
use nitro_kms_api::{KmsError, Operation};

use super::key_rotation::{self, States};
use super::multi_region_key::{commit_to_every_copy, require_not_replica};
use crate::context::Context;
use crate::keystore::{Mutation, days_ms};

const OP: Operation = Operation::EnableKeyRotation;

/// Runs EnableKeyRotation for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: EnableKeyRotationRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let period = req
        .rotation_period_in_days
        .unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS);
    let period = u32::try_from(period).map_err(|_| KmsError::internal("negative period"))?;
    let now = (svc.clock)();
    let mutation = svc.store.read(|ks| {
        let key = key_rotation::rotatable_key(svc, ks, caller, OP, &key_id, States::EnabledOnly)?;
        let config = require_not_replica(svc, &key)?;
        let rotation = &key.rotation;
        if rotation.enabled && rotation.period_days == Some(period) {
            return Ok::<_, KmsError>(None);
        }
        Ok(Some((
            Mutation::SetKeyRotation {
                key_id: key.key_id.clone(),
                enabled: true,
                period_days: Some(period),
                next_rotation_ms: Some(now.saturating_add(days_ms(period))),
            },
            config,
        )))
    })?;
    match mutation {
        Some((m, config)) => commit_to_every_copy(svc, config, m).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
