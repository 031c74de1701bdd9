//! Sign: a signature of up to 4096 bytes (or of a digest) with an asymmetric `SIGN_VERIFY` key.
//!
//! Checks in AWS's order ([`super::access`]): the key (aliases allowed), the policy
//! (`kms:Sign`), its state, then that it is a signing key used with an algorithm of its spec and
//! has material ([`super::signing_key`]), then a `DIGEST` message's length, then `DryRun`. The
//! private key never leaves the keystore's borrow.

use std::sync::Arc;

use nitro_kms_api::ops::{SignRequest, SignResponse};
use nitro_kms_api::{Blob, KmsError, Operation};
use nitro_kms_crypto::signing;

use super::access::{self, Aliases};
use super::signing_key;
use crate::context::Context;

const OP: Operation = Operation::Sign;

/// Runs Sign for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: SignRequest,
) -> Result<SignResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let message = req.message.as_ref().map(|m| m.expose()).unwrap_or_default();
    let requested = req.signing_algorithm();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_usable(svc, &key)?;
        let (material, kind, algorithm) = signing_key::signing_material(svc, &key, OP, requested)?;
        let input =
            signing_key::signing_input(&key, requested, algorithm, req.message_type(), message)?;
        access::dry_run(req.dry_run)?;
        let signature = signing::sign(kind, material.secret.expose(), algorithm, input)
            .map_err(|_| KmsError::internal("signing failed"))?;
        Ok(SignResponse {
            key_id: Some(svc.identity.key_arn(&key.key_id)),
            signature: Some(Blob::new(signature)),
            signing_algorithm: requested,
        })
    })
}

#[cfg(test)]
mod tests;
