//! ListResourceTags: a key's tags in tag-key order, paged with `Limit` and `Marker`.

use std::sync::Arc;

use nitro_kms_api::ops::{ListResourceTagsRequest, ListResourceTagsResponse};
use nitro_kms_api::types::Tag;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use super::paging;
use crate::context::Context;

const OP: Operation = Operation::ListResourceTags;

/// Runs ListResourceTags for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ListResourceTagsRequest,
) -> Result<ListResourceTagsResponse, KmsError> {
    let key_id = req.key_id.clone().unwrap_or_default();
    let tags: Vec<Tag> = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        Ok::<_, KmsError>(key.tags.iter().map(|(k, v)| Tag::new(k, v)).collect())
    })?;
    let page = paging::page(&tags, req.limit, req.marker.as_deref())?;
    Ok(ListResourceTagsResponse {
        next_marker: page.next_marker,
        tags: Some(page.items.to_vec()),
        truncated: Some(page.truncated),
    })
}
