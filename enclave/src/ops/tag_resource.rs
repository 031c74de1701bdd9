//! TagResource: adds or overwrites tags on a key (at most 50 per key; `aws:` keys are reserved,
//! checked with the request).

use std::sync::Arc;

use nitro_kms_api::ops::TagResourceRequest;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::TagResource;
/// Most tags one key may carry.
pub const MAX_TAGS_PER_KEY: usize = 50;

/// Runs TagResource for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: TagResourceRequest,
) -> Result<(), KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let tags = access::tag_map(req.tags);
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        let after = key
            .tags
            .keys()
            .chain(tags.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if after > MAX_TAGS_PER_KEY {
            return Err(KmsError::too_many_tags());
        }
        Ok(Mutation::TagResource {
            key_id: key.key_id.clone(),
            tags: tags.clone(),
        })
    })?;
    super::commit::commit(svc, mutation).await
}
