//! DeleteAlias: removes an alias (never its key). The caller needs `kms:DeleteAlias` on the key
//! the alias points at, and the alias is deleted only if it still points there when the deletion
//! commits ([`AliasGuard`]; `ConflictException` if another request moved it meanwhile).

use std::sync::Arc;

use nitro_kms_api::ops::DeleteAliasRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access;
use crate::context::Context;
use crate::keystore::{AliasGuard, Mutation};

const OP: Operation = Operation::DeleteAlias;

/// Runs DeleteAlias for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DeleteAliasRequest,
) -> Result<(), KmsError> {
    let name = req.alias_name.unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let alias = ks
            .alias(&name)
            .ok_or_else(|| KmsError::alias_not_found(&svc.identity.alias_arn(&name)))?;
        if let Some(key) = access::by_id(ks, &alias.target_key_id) {
            access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        }
        let guard = AliasGuard::PointsAt(alias.target_key_id.clone());
        Ok(Mutation::DeleteAlias {
            name: name.clone(),
            guard,
        })
    })?;
    super::commit::commit(svc, mutation).await
}

#[cfg(test)]
mod tests;
