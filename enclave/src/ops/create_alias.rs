//! CreateAlias: a friendly name (`alias/...`) for a key. The name must be new; the target is a
//! key ID or key ARN (not another alias) of a key that is not pending deletion; the caller needs
//! `kms:CreateAlias` in the target key's policy.

use std::sync::Arc;

use nitro_kms_api::ops::CreateAliasRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{Mutation, StoredAlias};

const OP: Operation = Operation::CreateAlias;

/// Runs CreateAlias for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: CreateAliasRequest,
) -> Result<(), KmsError> {
    let name = req.alias_name.unwrap_or_default();
    let target = req.target_key_id.unwrap_or_default();
    let now = (svc.clock)();
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &target, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        if ks.alias(&name).is_some() {
            return Err(KmsError::alias_already_exists(
                &svc.identity.alias_arn(&name),
            ));
        }
        Ok(Mutation::CreateAlias(StoredAlias {
            name: name.clone(),
            target_key_id: key.key_id.clone(),
            creation_date_ms: now,
            last_updated_ms: now,
        }))
    })?;
    super::commit::commit(svc, mutation).await
}
