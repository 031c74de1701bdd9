//! ListKeyPolicies: the names of a key's policies. A key has exactly one, `default` (AWS's API
//! reference: "The only valid value is default"), so the answer is always
//! `{"PolicyNames":["default"],"Truncated":false}` once the key is found and the caller allowed
//! `kms:ListKeyPolicies`. Like GetKeyPolicy it reads a key in any state, pending deletion
//! included, and takes a key ID or key ARN only.

use std::sync::Arc;

use nitro_kms_api::ops::policy::DEFAULT_POLICY_NAME;
use nitro_kms_api::ops::{ListKeyPoliciesRequest, ListKeyPoliciesResponse};
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use super::paging;
use crate::context::Context;

const OP: Operation = Operation::ListKeyPolicies;

/// Runs ListKeyPolicies for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ListKeyPoliciesRequest,
) -> Result<ListKeyPoliciesResponse, KmsError> {
    let key_id = req.key_id.clone().unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        Ok::<_, KmsError>(())
    })?;
    let names = [DEFAULT_POLICY_NAME.to_owned()];
    let page = paging::page(&names, req.limit, req.marker.as_deref())?;
    Ok(ListKeyPoliciesResponse {
        next_marker: page.next_marker,
        policy_names: Some(page.items.to_vec()),
        truncated: Some(page.truncated),
    })
}

#[cfg(test)]
mod tests;
