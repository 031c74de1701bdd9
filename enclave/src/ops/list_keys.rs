//! ListKeys: every key of the account and region (including disabled and pending-deletion keys,
//! as AWS lists them), paged with `Limit` (1..1000, default 100) and an opaque `Marker`.

use std::sync::Arc;

use nitro_kms_api::KmsError;
use nitro_kms_api::ops::{ListKeysRequest, ListKeysResponse};
use nitro_kms_api::types::KeyListEntry;

use super::paging;
use crate::context::Context;

/// Runs ListKeys. Listing is authorized by the caller's IAM identity on AWS, which here is the
/// parent's authentication: there is no key policy to consult.
pub async fn run(
    svc: &Arc<Context>,
    _caller: &str,
    req: ListKeysRequest,
) -> Result<ListKeysResponse, KmsError> {
    let ids: Vec<String> = svc
        .store
        .read(|ks| ks.keys().map(|k| k.key_id.clone()).collect());
    let page = paging::page(&ids, req.limit, req.marker.as_deref())?;
    Ok(ListKeysResponse {
        keys: Some(
            page.items
                .iter()
                .map(|id| KeyListEntry {
                    key_arn: Some(svc.identity.key_arn(id)),
                    key_id: Some((*id).clone()),
                })
                .collect(),
        ),
        next_marker: page.next_marker,
        truncated: Some(page.truncated),
    })
}
