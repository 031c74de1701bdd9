//! ListGrants and ListRetirableGrants (issue 18): a key's grants, or the grants a principal may
//! retire across keys, as the model's `GrantListEntry`, paged like the other List operations
//! ([`super::paging`]), oldest first.
//!
//! ListGrants: the key by key ID or key ARN, `kms:ListGrants` in its policy (with
//! `kms:GranteePrincipal` when the request filters on one, and `kms:GrantIsForAWSResource`),
//! in any key state (AWS's key state table). A `GrantId` the key does not have is
//! `InvalidGrantIdException` (as localstack answers; no AWS recording was found).
//!
//! ListRetirableGrants is authorized on AWS by IAM policy alone; there is no IAM here, and, as a
//! key policy naming the account admits every principal of it (see `crate::policy`), a caller
//! may list the retirable grants of principals of its own account; of another account the list
//! is empty (this service holds only its own account's keys and grants).

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::ops::grants::{GrantConstraints, GrantListEntry};
use nitro_kms_api::ops::{ListGrantsRequest, ListGrantsResponse, ListRetirableGrantsRequest};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use super::paging;
use crate::context::Context;
use crate::keystore::{GrantConstraint, StoredGrant};

/// Runs ListGrants for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ListGrantsRequest,
) -> Result<ListGrantsResponse, KmsError> {
    const OP: Operation = Operation::ListGrants;
    let key_id = req.key_id.clone().unwrap_or_default();
    let all = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let mut keys = BTreeMap::new();
        if let Some(p) = &req.grantee_principal {
            keys.insert("kms:granteeprincipal".to_owned(), vec![p.clone()]);
        }
        keys.insert(
            "kms:grantisforawsresource".to_owned(),
            vec!["false".to_owned()],
        );
        let key = access::authorize_with_keys(
            svc,
            key,
            caller,
            &OP.iam_action(),
            &BTreeMap::new(),
            None,
            keys,
        )?;
        if let Some(id) = &req.grant_id
            && !key.grants.iter().any(|g| g.id_hex() == *id)
        {
            return Err(KmsError::new(
                KmsErrorType::InvalidGrantId,
                "Invalid grant ID",
            ));
        }
        let arn = svc.identity.key_arn(&key.key_id);
        Ok(key
            .grants
            .iter()
            .filter(|g| req.grant_id.as_ref().is_none_or(|id| g.id_hex() == *id))
            .filter(|g| {
                req.grantee_principal
                    .as_ref()
                    .is_none_or(|p| g.grantee_principal.as_ref() == Some(p))
            })
            .filter(|g| {
                req.grantee_service_principal
                    .as_ref()
                    .is_none_or(|p| g.grantee_service_principal.as_ref() == Some(p))
            })
            .map(|g| entry(&arn, g))
            .collect::<Vec<_>>())
    })?;
    respond(&all, req.limit, req.marker.as_deref())
}

/// Runs ListRetirableGrants for `caller`.
pub async fn retirable(
    svc: &Arc<Context>,
    caller: &str,
    req: ListRetirableGrantsRequest,
) -> Result<ListGrantsResponse, KmsError> {
    let account = |arn: &str| arn.split(':').nth(4).map(str::to_owned);
    let own_account = account(caller).is_some_and(|a| a == svc.identity.account);
    let all = svc.store.read(|ks| {
        ks.keys()
            .flat_map(|key| {
                let arn = svc.identity.key_arn(&key.key_id);
                key.grants
                    .iter()
                    .filter(|g| {
                        req.retiring_principal
                            .as_ref()
                            .is_none_or(|p| g.retiring_principal.as_ref() == Some(p))
                            && req
                                .retiring_service_principal
                                .as_ref()
                                .is_none_or(|p| g.retiring_service_principal.as_ref() == Some(p))
                    })
                    .map(move |g| entry(&arn, g))
                    .collect::<Vec<_>>()
            })
            .filter(|_| own_account)
            .collect::<Vec<_>>()
    });
    respond(&all, req.limit, req.marker.as_deref())
}

fn respond(
    all: &[GrantListEntry],
    limit: Option<i32>,
    marker: Option<&str>,
) -> Result<ListGrantsResponse, KmsError> {
    let page = paging::page(all, limit, marker)?;
    Ok(ListGrantsResponse {
        grants: Some(page.items.to_vec()),
        next_marker: page.next_marker,
        truncated: Some(page.truncated),
    })
}

/// A grant as the model's `GrantListEntry` (`KeyId` is the key's ARN, as AWS lists it).
pub fn entry(key_arn: &str, g: &StoredGrant) -> GrantListEntry {
    let map = |m: &BTreeMap<String, String>| m.clone().into_iter().collect();
    GrantListEntry {
        constraints: g.constraint.as_ref().map(|c| match c {
            GrantConstraint::Subset(m) => GrantConstraints {
                encryption_context_subset: Some(map(m)),
                ..Default::default()
            },
            GrantConstraint::Equals(m) => GrantConstraints {
                encryption_context_equals: Some(map(m)),
                ..Default::default()
            },
        }),
        creation_date: Some(super::key_rotation::timestamp(g.creation_date_ms)),
        grant_id: Some(g.id_hex()),
        grantee_principal: g.grantee_principal.clone(),
        grantee_service_principal: g.grantee_service_principal.clone(),
        issuing_account: Some(g.issuing_account.clone()),
        key_id: Some(key_arn.to_owned()),
        name: g.name.clone(),
        operations: Some(g.operations.clone()),
        retiring_principal: g.retiring_principal.clone(),
        retiring_service_principal: g.retiring_service_principal.clone(),
    }
}
