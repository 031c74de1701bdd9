//! CancelKeyDeletion: a key pending deletion — or a multi-Region primary pending replica
//! deletion — comes back `Disabled` (as on AWS; enable it to use it). A key that is not pending
//! deletion is `KMSInvalidStateException`.

use std::sync::Arc;

use nitro_kms_api::ops::{CancelKeyDeletionRequest, CancelKeyDeletionResponse};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{KeyStateRecord, Mutation};

const OP: Operation = Operation::CancelKeyDeletion;

/// Runs CancelKeyDeletion for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: CancelKeyDeletionRequest,
) -> Result<CancelKeyDeletionResponse, KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let (mutation, key_arn) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        let key_arn = svc.identity.key_arn(&key.key_id);
        if !matches!(
            key.state,
            KeyStateRecord::PendingDeletion { .. } | KeyStateRecord::PendingReplicaDeletion { .. }
        ) {
            return Err(KmsError::new(
                KmsErrorType::KMSInvalidState,
                format!("{key_arn} is not pending deletion."),
            ));
        }
        Ok((
            Mutation::SetKeyState {
                key_id: key.key_id.clone(),
                // An `EXTERNAL` key without material goes back to waiting for it.
                state: if key.import.is_some() && key.material.is_none() {
                    KeyStateRecord::PendingImport
                } else {
                    KeyStateRecord::Disabled
                },
            },
            key_arn,
        ))
    })?;
    super::commit::commit(svc, mutation).await?;
    Ok(CancelKeyDeletionResponse {
        key_id: Some(key_arn),
    })
}
