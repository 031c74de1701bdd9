//! DeleteAlias: removes an alias (never its key). The caller needs `kms:DeleteAlias` on the key
//! the alias points at.

use std::sync::Arc;

use nitro_kms_api::ops::DeleteAliasRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access;
use crate::context::Context;
use crate::keystore::Mutation;

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
        if let Some(key) = ks.key(&alias.target_key_id) {
            access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        }
        Ok(Mutation::DeleteAlias { name: name.clone() })
    })?;
    super::commit::commit(svc, mutation).await
}
