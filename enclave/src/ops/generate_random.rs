//! GenerateRandom: 1 to 1024 random bytes from the enclave's generator (the NSM seeds it on
//! Nitro). With a `Recipient` the bytes come back only in `CiphertextForRecipient`. No key is
//! involved, so no key policy applies; the caller was authenticated by the parent.

use std::sync::Arc;

use nitro_kms_api::KmsError;
use nitro_kms_api::ops::{GenerateRandomRequest, GenerateRandomResponse};
use nitro_kms_crypto as crypto;

use crate::context::Context;

/// Runs GenerateRandom.
pub async fn run(
    svc: &Arc<Context>,
    _caller: &str,
    req: GenerateRandomRequest,
) -> Result<GenerateRandomResponse, KmsError> {
    if let Some(store) = &req.custom_key_store_id {
        // This service has no custom key stores (see `super::custom_key_stores`).
        return Err(KmsError::custom_key_store_not_found(store));
    }
    let len = req
        .byte_count()
        .ok_or_else(KmsError::number_of_bytes_required)?;
    let recipient = svc.verify_recipient(req.recipient.as_ref())?;
    let bytes =
        crypto::random_secret(len).map_err(|_| KmsError::internal("no randomness available"))?;
    Ok(match recipient {
        Some(r) => GenerateRandomResponse {
            ciphertext_for_recipient: Some(r.wrap(bytes.expose())?),
            plaintext: None,
        },
        None => GenerateRandomResponse {
            ciphertext_for_recipient: None,
            plaintext: Some(bytes),
        },
    })
}
