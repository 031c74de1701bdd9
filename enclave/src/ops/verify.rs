//! Verify: whether a signature is the signature of a message (or digest) by an asymmetric
//! `SIGN_VERIFY` key.
//!
//! The same checks as Sign (policy action `kms:Verify`), then the verification with the key's
//! own public key. A signature that does not verify is `KMSInvalidSignatureException` with an
//! empty message, as real AWS answers it (aws-kms-real-errors.txt,
//! `test_sign_verify[*]/bad-signature`); an answer always has `SignatureValid: true`.

use std::sync::Arc;

use nitro_kms_api::ops::{VerifyRequest, VerifyResponse};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::signing;

use super::signing_key::{self, SigningRequest};
use crate::context::Context;

const OP: Operation = Operation::Verify;

/// Runs Verify for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: VerifyRequest,
) -> Result<VerifyResponse, KmsError> {
    let requested = req.signing_algorithm();
    let signing = SigningRequest {
        key_id: req.key_id.as_deref().unwrap_or_default(),
        message: req.message.as_ref().map(|m| m.expose()).unwrap_or_default(),
        message_type: req.message_type(),
        algorithm: requested,
        dry_run: req.dry_run,
    };
    let sig = req
        .signature
        .as_ref()
        .map(|s| s.as_bytes())
        .unwrap_or_default();
    svc.store.read(|ks| {
        let checked = signing_key::check(svc, ks, caller, OP, signing)?;
        signing::verify(
            checked.kind,
            checked.material.secret.expose(),
            checked.algorithm,
            checked.input,
            sig,
        )
        .map_err(|_| KmsError::kms_invalid_signature())?;
        Ok(VerifyResponse {
            key_id: Some(checked.key_arn),
            signature_valid: Some(true),
            signing_algorithm: requested,
        })
    })
}
