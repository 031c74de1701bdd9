//! UntagResource: removes tags by key; tag keys the key does not have are ignored, as on AWS.

use std::sync::Arc;

use nitro_kms_api::ops::UntagResourceRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::UntagResource;

/// Runs UntagResource for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: UntagResourceRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let tag_keys = req.tag_keys.unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        Ok::<_, KmsError>(Mutation::UntagResource {
            key_id: key.key_id.clone(),
            tag_keys: tag_keys.clone(),
        })
    })?;
    super::commit::commit(svc, mutation).await
}
