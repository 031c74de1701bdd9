//! Steps the rotation operations share: which keys rotate, AWS's errors for the others, fresh
//! material, and the status GetKeyRotationStatus answers.
//!
//! Only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT, AWS_KMS origin) rotate; an
//! `EXTERNAL` key is `UnsupportedOperationException` `<key-arn> origin is EXTERNAL which is not
//! valid for this operation.` (recorded for RotateKeyOnDemand; used for Enable/DisableKeyRotation
//! too); any other key is `UnsupportedOperationException` with the empty message
//! AWS sends (aws-kms-real-errors.txt, test_rotate_key_on_demand_raises_error_given_non_symmetric_key).

use nitro_kms_api::ops::GetKeyRotationStatusResponse;
use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_api::{KmsError, KmsErrorType, Operation, Timestamp};

use super::access::{self, Aliases, Authorized};
use crate::context::Context;
use crate::keystore::{KeyMaterial, Keystore, StoredKey};

/// Which key states an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum States {
    /// Enabled only: Disabled is `DisabledException` (Enable/DisableKeyRotation, RotateKeyOnDemand).
    EnabledOnly,
    /// Enabled or Disabled (GetKeyRotationStatus, ListKeyRotations).
    NotPendingDeletion,
}

/// Finds and authorizes the key of a rotation operation (key ID or key ARN; an alias is refused
/// as for other key management operations), then checks its state and that it can rotate — in
/// that order.
pub fn rotatable_key<'k>(
    svc: &Context,
    ks: &'k Keystore,
    caller: &str,
    op: Operation,
    key_id: &str,
    states: States,
) -> Result<Authorized<'k>, KmsError> {
    let key = access::resolve(svc, ks, caller, op, key_id, Aliases::Refused)?;
    let key = access::authorize(svc, key, caller, op, &Default::default(), None)?;
    match states {
        States::EnabledOnly => {
            access::require_usable(svc, &key)?;
            // Recorded: RotateKeyOnDemand on a key with imported material
            // (aws-kms-real-errors.txt, ..._given_key_with_imported_key_material).
            if key.import.is_some() {
                return Err(super::imported_key::not_valid_for_origin(svc, &key));
            }
        }
        States::NotPendingDeletion => access::require_not_pending_deletion(svc, &key)?,
    }
    require_rotatable(&key)?;
    Ok(key)
}

/// `UnsupportedOperationException` (empty message, as AWS) unless `key` is a symmetric
/// encryption key with material.
pub fn require_rotatable(key: &StoredKey) -> Result<(), KmsError> {
    let symmetric = key.key_spec == KeySpec::SymmetricDefault
        && key.key_usage == KeyUsageType::EncryptDecrypt
        && key.material.is_some();
    match symmetric {
        true => Ok(()),
        false => Err(KmsError::new(KmsErrorType::UnsupportedOperation, "")),
    }
}

/// Fresh 256-bit material with a fresh random id, for a rotation.
pub fn new_material() -> Result<KeyMaterial, KmsError> {
    let rng = |_| KmsError::internal("no randomness available");
    Ok(KeyMaterial {
        id: nitro_kms_crypto::random_array().map_err(rng)?,
        secret: nitro_kms_crypto::random_secret(32).map_err(rng)?,
    })
}

/// A stored date (ms since the epoch) as the answers' `Timestamp`.
pub fn timestamp(ms: u64) -> Timestamp {
    Timestamp::from_epoch_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// GetKeyRotationStatus's answer for `key`: the period and next date only while automatic
/// rotation is on; no `OnDemandRotationStartDate`, as on-demand rotations here complete before
/// RotateKeyOnDemand answers.
pub fn status(key: &StoredKey) -> GetKeyRotationStatusResponse {
    let rotation = &key.rotation;
    let on = rotation.enabled;
    GetKeyRotationStatusResponse {
        key_id: Some(key.key_id.clone()),
        key_rotation_enabled: Some(on),
        next_rotation_date: rotation.next_rotation_ms.filter(|_| on).map(timestamp),
        on_demand_rotation_start_date: None,
        rotation_period_in_days: rotation
            .period_days
            .filter(|_| on)
            .and_then(|d| i32::try_from(d).ok()),
    }
}
