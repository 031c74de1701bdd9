//! Decapsulate: the shared secret of an ML-KEM ciphertext under an `ENCAPSULATE_DECAPSULATE`
//! key.
//!
//! Checks ([`super::kem_key::check`]): the key, the policy (`kms:Decapsulate`), its state, an
//! ML-KEM key with material, then the ciphertext's length, then `DryRun`. As the Decapsulate API
//! reference says, only a `SharedSecretCiphertextBlob` whose length does not fit the key spec is
//! `InvalidCiphertextException` (AWS's empty message, as for Decrypt); any other ciphertext,
//! garbled or made for another key, yields FIPS 203's implicit-rejection secret: a 32-byte
//! pseudo-random value, so a caller must confirm both sides hold the same secret.

use std::sync::Arc;

use nitro_kms_api::ops::{DecapsulateRequest, DecapsulateResponse};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::kem;

use super::{access, kem_key};
use crate::context::Context;

const OP: Operation = Operation::Decapsulate;

/// Runs Decapsulate for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DecapsulateRequest,
) -> Result<DecapsulateResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let algorithm = req.encapsulation_algorithm();
    let ciphertext = req
        .shared_secret_ciphertext_blob
        .as_ref()
        .map(|b| b.as_ref())
        .unwrap_or_default();
    svc.store.read(|ks| {
        let checked = kem_key::check(svc, ks, caller, OP, key_id)?;
        if ciphertext.len() != checked.kind.ciphertext_len() {
            return Err(KmsError::invalid_ciphertext());
        }
        access::dry_run(req.dry_run)?;
        let secret = kem::decapsulate(checked.kind, checked.material.secret.expose(), ciphertext)
            .map_err(|_| KmsError::invalid_ciphertext())?;
        Ok(DecapsulateResponse {
            encapsulation_algorithm: algorithm,
            key_id: Some(checked.key_arn),
            shared_secret: Some(secret),
        })
    })
}
