//! DisableKey: the key stays but refuses cryptographic operations (`DisabledException`) until
//! enabled again. A key pending deletion is `KMSInvalidStateException`.

use std::sync::Arc;

use nitro_kms_api::ops::DisableKeyRequest;
use nitro_kms_api::{KmsError, Operation};

use super::enable_key::set_enabled;
use crate::context::Context;
use crate::keystore::KeyStateRecord;

/// Runs DisableKey for `caller`.
pub async fn run(svc: &Arc<Context>, caller: &str, req: DisableKeyRequest) -> Result<(), KmsError> {
    set_enabled(
        svc,
        caller,
        Operation::DisableKey,
        &req.key_id.unwrap_or_default(),
        KeyStateRecord::Disabled,
    )
    .await
}
