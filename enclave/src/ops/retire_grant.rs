//! RetireGrant and RevokeGrant (issue 18): a grant is deleted, and no request is authorized by
//! it afterwards (grants here are consistent at once).
//!
//! Who may, as AWS documents ("Retiring and revoking grants"):
//! - RetireGrant: the grant's retiring principal; its grantee if the grant lists RetireGrant;
//!   or a principal the key policy allows `kms:RetireGrant`. The grant is named by its token
//!   (which must be one this service made: else `InvalidGrantTokenException`) or by `KeyId` and
//!   `GrantId`.
//! - RevokeGrant: a principal the key policy allows `kms:RevokeGrant` (a grant cannot).
//!
//! Both work in every key state (AWS's key state table). A grant id that is not 64 hex digits is
//! `InvalidGrantIdException`; one the key does not have is `NotFoundException` (what AWS answers
//! for a grant already retired or revoked: Terraform's AWS provider treats it as gone). The
//! messages are this service's: no public recording of AWS's was found.

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::ops::{RetireGrantRequest, RevokeGrantRequest};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use super::grant_access;
use super::grant_tokens;
use crate::context::Context;
use crate::keystore::Mutation;

/// Runs RetireGrant for `caller`.
pub async fn retire(
    svc: &Arc<Context>,
    caller: &str,
    req: RetireGrantRequest,
) -> Result<(), KmsError> {
    const OP: Operation = Operation::RetireGrant;
    let mutation = svc.store.read(|ks| {
        let (key_ref, grant_id) = match (&req.grant_token, &req.key_id, &req.grant_id) {
            (Some(token), key_id, grant_id) => {
                let claims = grant_tokens::open(ks, token)?;
                let id = nitro_kms_crypto::hex_lower(&claims.grant_id);
                if grant_id.as_ref().is_some_and(|g| *g != id) {
                    return Err(grant_tokens::invalid());
                }
                (key_id.clone().unwrap_or(claims.key_id), claims.grant_id)
            }
            (None, Some(key_id), Some(grant_id)) => (key_id.clone(), parse_grant_id(grant_id)?),
            _ => {
                return Err(KmsError::validation(
                    "Grant token OR (grant ID, key ID) must be specified",
                ));
            }
        };
        let key = access::resolve(svc, ks, caller, OP, &key_ref, Aliases::Refused)?;
        let grant = key
            .grants
            .iter()
            .find(|g| g.grant_id == grant_id)
            .ok_or_else(not_found)?;
        let may = grant
            .retiring_principal
            .as_deref()
            .is_some_and(|p| grant_access::principal_is(p, caller))
            || (grant.allows_operation("RetireGrant")
                && grant
                    .grantee_principal
                    .as_deref()
                    .is_some_and(|p| grant_access::principal_is(p, caller)));
        let key_id = key.key_id.clone();
        if !may {
            access::authorize_with_keys(
                svc,
                key,
                caller,
                &OP.iam_action(),
                &BTreeMap::new(),
                None,
                BTreeMap::new(),
            )?;
        }
        access::dry_run(req.dry_run)?;
        Ok(Mutation::DeleteGrant { key_id, grant_id })
    })?;
    super::commit::commit(svc, mutation).await
}

/// Runs RevokeGrant for `caller`.
pub async fn revoke(
    svc: &Arc<Context>,
    caller: &str,
    req: RevokeGrantRequest,
) -> Result<(), KmsError> {
    const OP: Operation = Operation::RevokeGrant;
    let key_id = req.key_id.clone().unwrap_or_default();
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &BTreeMap::new(), None)?;
        let grant_id = parse_grant_id(req.grant_id.as_deref().unwrap_or_default())?;
        if !key.grants.iter().any(|g| g.grant_id == grant_id) {
            return Err(not_found());
        }
        access::dry_run(req.dry_run)?;
        Ok::<_, KmsError>(Mutation::DeleteGrant {
            key_id: key.key_id.clone(),
            grant_id,
        })
    })?;
    super::commit::commit(svc, mutation).await
}

/// A grant id as this service makes them: 64 lower-case hex digits.
fn parse_grant_id(text: &str) -> Result<[u8; 32], KmsError> {
    let mut id = [0u8; 32];
    match text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        true => hex::decode_to_slice(text, &mut id)
            .map(|()| id)
            .map_err(|_| invalid_grant_id()),
        false => Err(invalid_grant_id()),
    }
}

fn invalid_grant_id() -> KmsError {
    KmsError::new(KmsErrorType::InvalidGrantId, "Invalid grant ID")
}

fn not_found() -> KmsError {
    KmsError::new(KmsErrorType::NotFound, "Grant ID not found")
}
