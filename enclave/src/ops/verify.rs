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

use super::access::{self, Aliases};
use super::signing_key;
use crate::context::Context;

const OP: Operation = Operation::Verify;

/// Runs Verify for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: VerifyRequest,
) -> Result<VerifyResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let message = req.message.as_ref().map(|m| m.expose()).unwrap_or_default();
    let sig = req
        .signature
        .as_ref()
        .map(|s| s.as_bytes())
        .unwrap_or_default();
    let requested = req.signing_algorithm();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_usable(svc, &key)?;
        let (material, kind, algorithm) = signing_key::signing_material(svc, &key, OP, requested)?;
        let input =
            signing_key::signing_input(&key, requested, algorithm, req.message_type(), message)?;
        access::dry_run(req.dry_run)?;
        signing::verify(kind, material.secret.expose(), algorithm, input, sig)
            .map_err(|_| KmsError::kms_invalid_signature())?;
        Ok(VerifyResponse {
            key_id: Some(svc.identity.key_arn(&key.key_id)),
            signature_valid: Some(true),
            signing_algorithm: requested,
        })
    })
}
