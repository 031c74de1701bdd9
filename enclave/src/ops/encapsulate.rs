//! Encapsulate: a fresh 32-byte shared secret and its ML-KEM ciphertext under an
//! `ENCAPSULATE_DECAPSULATE` key's public key.
//!
//! Checks ([`super::kem_key::check`]): the key, the policy (`kms:Encapsulate`), its state, an
//! ML-KEM key with material, then `DryRun`. The secret travels as zeroizing
//! [`nitro_kms_crypto::secret::SecretBytes`] and is redacted from every log.

use std::sync::Arc;

use nitro_kms_api::ops::{EncapsulateRequest, EncapsulateResponse};
use nitro_kms_api::{Blob, KmsError, Operation};
use nitro_kms_crypto::kem;

use super::{access, kem_key};
use crate::context::Context;

const OP: Operation = Operation::Encapsulate;

/// Runs Encapsulate for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: EncapsulateRequest,
) -> Result<EncapsulateResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let algorithm = req.encapsulation_algorithm();
    svc.store.read(|ks| {
        let checked = kem_key::check(svc, ks, caller, OP, key_id)?;
        access::dry_run(req.dry_run)?;
        let (secret, ciphertext) = kem::encapsulate(checked.kind, checked.material.secret.expose())
            .map_err(|_| KmsError::internal("encapsulation failed"))?;
        Ok(EncapsulateResponse {
            encapsulation_algorithm: algorithm,
            key_id: Some(checked.key_arn),
            shared_secret: Some(secret),
            shared_secret_ciphertext_blob: Some(Blob::new(ciphertext)),
        })
    })
}

#[cfg(test)]
mod tests;
