//! GetKeyRotationStatus: whether a key rotates automatically, and while it does its period and
//! next rotation date. Works on disabled keys (the model lists no `DisabledException` for it);
//! pending deletion is `KMSInvalidStateException`; keys that do not rotate are
//! `UnsupportedOperationException`. On the leader a rotation that is due happens first
//! ([`crate::rotation_schedule`]), so the answer never shows a date in the past.

use std::sync::Arc;

use nitro_kms_api::ops::{GetKeyRotationStatusRequest, GetKeyRotationStatusResponse};
use nitro_kms_api::{KmsError, Operation};

use super::key_rotation::{self, States};
use crate::context::Context;

const OP: Operation = Operation::GetKeyRotationStatus;

/// Runs GetKeyRotationStatus for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GetKeyRotationStatusRequest,
) -> Result<GetKeyRotationStatusResponse, KmsError> {
    crate::rotation_schedule::rotate_due(svc).await;
    let key_id = req.key_id.unwrap_or_default();
    svc.store.read(|ks| {
        let key =
            key_rotation::rotatable_key(svc, ks, caller, OP, &key_id, States::NotPendingDeletion)?;
        Ok(key_rotation::status(&key))
    })
}
