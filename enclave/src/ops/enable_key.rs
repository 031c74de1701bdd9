//! EnableKey: makes a disabled key usable again. A key pending deletion must first have its
//! deletion cancelled, and an `EXTERNAL` key without material its material imported
//! (`KMSInvalidStateException`). [`set_enabled`] is shared with DisableKey.

use std::sync::Arc;

use nitro_kms_api::ops::EnableKeyRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{KeyStateRecord, Mutation};

/// Runs EnableKey for `caller`.
pub async fn run(svc: &Arc<Context>, caller: &str, req: EnableKeyRequest) -> Result<(), KmsError> {
    set_enabled(
        svc,
        caller,
        Operation::EnableKey,
        &req.key_id.unwrap_or_default(),
        KeyStateRecord::Enabled,
    )
    .await
}

/// Moves a key between Enabled and Disabled for `op`; a no-op (nothing journaled) when it is
/// already there, as AWS answers success without a change.
pub async fn set_enabled(
    svc: &Context,
    caller: &str,
    op: Operation,
    key_id: &str,
    state: KeyStateRecord,
) -> Result<(), KmsError> {
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, op, key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, op, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        if key.state == KeyStateRecord::PendingImport {
            return Err(KmsError::pending_import(&svc.identity.key_arn(&key.key_id)));
        }
        Ok::<_, KmsError>((key.state != state).then(|| Mutation::SetKeyState {
            key_id: key.key_id.clone(),
            state,
        }))
    })?;
    match mutation {
        Some(m) => super::commit::commit(svc, m).await,
        None => Ok(()),
    }
}
