//! DisableKey: the key stays but refuses cryptographic operations (`DisabledException`) until
//! enabled again. A key pending deletion is `KMSInvalidStateException`.

use std::sync::Arc;

use nitro_kms_common::kms::ops::DisableKeyRequest;
use nitro_kms_common::kms::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::keystore::{KeyStateRecord, Mutation};
use crate::service::Service;

const OP: Operation = Operation::DisableKey;

/// Runs DisableKey for `caller`.
pub async fn run(svc: &Arc<Service>, caller: &str, req: DisableKeyRequest) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, key)?;
        Ok::<_, KmsError>(
            (key.state != KeyStateRecord::Disabled).then(|| Mutation::SetKeyState {
                key_id: key.key_id.clone(),
                state: KeyStateRecord::Disabled,
            }),
        )
    })?;
    match mutation {
        Some(m) => super::commit(svc, m).await,
        None => Ok(()),
    }
}
