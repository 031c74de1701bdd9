//! UpdateKeyDescription: replaces a key's description (HTTP 200, empty body, as the model gives
//! the operation no output).
//!
//! AWS's order of checks (see [`super::access`]): the key by key ID or key ARN (an alias is
//! refused, as for the other key management operations), the key policy
//! (`kms:UpdateKeyDescription`), then the key state: a key pending deletion is
//! `KMSInvalidStateException` (AWS's key state table: UpdateKeyDescription is allowed on Enabled
//! and Disabled keys only). The change is a [`Mutation`], sealed and replicated like the others,
//! so the description survives a restart and a read replica sees it.

use std::sync::Arc;

use nitro_kms_api::ops::UpdateKeyDescriptionRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::UpdateKeyDescription;

/// Runs UpdateKeyDescription for `caller`. Nothing is journaled when the description is already
/// the one asked for (AWS answers success either way).
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: UpdateKeyDescriptionRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let description = req.description.unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        Ok::<_, KmsError>((key.description != description).then(|| {
            Mutation::UpdateKeyDescription {
                key_id: key.key_id.clone(),
                description: description.clone(),
            }
        }))
    })?;
    match mutation {
        Some(m) => super::commit::commit(svc, m).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
