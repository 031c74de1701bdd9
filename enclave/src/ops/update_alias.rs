//! UpdateAlias: points an existing alias at another key (key ID or key ARN). The caller needs
//! `kms:UpdateAlias` on both the current and the new target key; a new target pending deletion is
//! `KMSInvalidStateException`. The alias is changed only if it still points at the key the caller
//! was authorized on when the change commits ([`AliasGuard`]); if another request moved it
//! meanwhile, this one is `ConflictException` and changes nothing.

use std::sync::Arc;

use nitro_kms_api::ops::UpdateAliasRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{AliasGuard, Mutation};

const OP: Operation = Operation::UpdateAlias;

/// Runs UpdateAlias for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: UpdateAliasRequest,
) -> Result<(), KmsError> {
    let name = req.alias_name.unwrap_or_default();
    let target = req.target_key_id.unwrap_or_default();
    let now = (svc.clock)();
    let mutation = svc.store.read(|ks| {
        let alias = ks
            .alias(&name)
            .ok_or_else(|| KmsError::alias_not_found(&svc.identity.alias_arn(&name)))?;
        let key = access::resolve(svc, ks, caller, OP, &target, Aliases::Refused)?;
        if let Some(current) = access::by_id(ks, &alias.target_key_id) {
            access::authorize(svc, current, caller, OP, &Default::default(), None)?;
        }
        let guard = AliasGuard::PointsAt(alias.target_key_id.clone());
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        Ok(Mutation::UpdateAlias {
            name: name.clone(),
            target_key_id: key.key_id.clone(),
            at_ms: now,
            guard,
        })
    })?;
    super::commit::commit(svc, mutation).await
}

#[cfg(test)]
mod tests;
