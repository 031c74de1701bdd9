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

use super::signing_key::{self, SigningRequest};
use crate::context::Context;

const OP: Operation = Operation::Sign;

/// Runs Sign for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: SignRequest,
) -> Result<SignResponse, KmsError> {
    let requested = req.signing_algorithm();
    let signing = SigningRequest {
        key_id: req.key_id.as_deref().unwrap_or_default(),
        message: req.message.as_ref().map(|m| m.expose()).unwrap_or_default(),
        message_type: req.message_type(),
        algorithm: requested,
        dry_run: req.dry_run,
    };
    svc.store.read(|ks| {
        let checked = signing_key::check(svc, ks, caller, OP, signing)?;
        let signature = signing::sign(
            checked.kind,
            checked.material.secret.expose(),
            checked.algorithm,
            checked.input,
        )
        .map_err(|_| KmsError::internal("signing failed"))?;
        Ok(SignResponse {
            key_id: Some(checked.key_arn),
            signature: Some(Blob::new(signature)),
            signing_algorithm: requested,
        })
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod ml_dsa_tests;
