//! ListAliases: the account's aliases in name order, optionally only those of one key (key ID or
//! key ARN), paged with `Limit` and `Marker`.

use std::sync::Arc;

use nitro_kms_api::ops::{ListAliasesRequest, ListAliasesResponse};
use nitro_kms_api::types::AliasListEntry;
use nitro_kms_api::{KmsError, Operation, Timestamp};

use super::access::{self, Aliases};
use super::paging;
use crate::context::Context;

const OP: Operation = Operation::ListAliases;

/// Runs ListAliases for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ListAliasesRequest,
) -> Result<ListAliasesResponse, KmsError> {
    let entries: Vec<AliasListEntry> = svc.store.read(|ks| {
        let only = match req.key_id.as_deref() {
            Some(k) => {
                let key = access::resolve(svc, ks, caller, OP, k, Aliases::Refused)?;
                let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
                Some(key.key_id.clone())
            }
            None => None,
        };
        Ok::<_, KmsError>(
            ks.aliases()
                .filter(|a| only.as_ref().is_none_or(|k| *k == a.target_key_id))
                .map(|a| AliasListEntry {
                    alias_arn: Some(svc.identity.alias_arn(&a.name)),
                    alias_name: Some(a.name.clone()),
                    creation_date: Some(millis(a.creation_date_ms)),
                    last_updated_date: Some(millis(a.last_updated_ms)),
                    target_key_id: Some(a.target_key_id.clone()),
                })
                .collect(),
        )
    })?;
    let page = paging::page(&entries, req.limit, req.marker.as_deref())?;
    Ok(ListAliasesResponse {
        aliases: Some(page.items.to_vec()),
        next_marker: page.next_marker,
        truncated: Some(page.truncated),
    })
}

fn millis(ms: u64) -> Timestamp {
    Timestamp::from_epoch_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}
