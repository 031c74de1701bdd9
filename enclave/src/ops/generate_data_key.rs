//! GenerateDataKey: a fresh data key, in plaintext and encrypted under a symmetric KMS key.
//!
//! From the seed page: the key is `KeySpec` (AES_128/AES_256) or `NumberOfBytes` long (exactly one
//! of them); the encryption context is bound to `CiphertextBlob` and needed to decrypt it; with a
//! `Recipient`, the plaintext is returned only inside `CiphertextForRecipient`, and `Plaintext`
//! (and `KeyMaterialId`) are absent.

use std::sync::Arc;

use nitro_kms_api::ops::{GenerateDataKeyRequest, GenerateDataKeyResponse};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto as crypto;

use super::access::{self, Aliases};
use super::ciphertext;
use crate::context::Context;

const OP: Operation = Operation::GenerateDataKey;

/// Runs GenerateDataKey for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateDataKeyRequest,
) -> Result<GenerateDataKeyResponse, KmsError> {
    let len = req
        .data_key_len()
        .ok_or_else(KmsError::key_spec_or_number_of_bytes)?;
    let context = access::context_map(req.encryption_context.as_ref());
    let recipient = svc.verify_recipient(req.recipient.as_ref())?;
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let (blob, key_arn, material_id, plaintext) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(
            svc,
            key,
            caller,
            OP,
            &context,
            recipient.as_ref().map(|r| &r.facts),
        )?;
        access::require_usable(svc, &key)?;
        let material = access::symmetric_material(svc, &key, OP)?;
        access::dry_run(req.dry_run)?;
        let plaintext = crypto::random_secret(len)
            .map_err(|_| KmsError::internal("no randomness available"))?;
        let blob = ciphertext::seal_under(&key, material, &context, plaintext.expose())?;
        Ok::<_, KmsError>((
            blob,
            svc.identity.key_arn(&key.key_id),
            ciphertext::material_id_hex(material),
            plaintext,
        ))
    })?;
    Ok(match recipient {
        Some(r) => GenerateDataKeyResponse {
            ciphertext_blob: Some(blob),
            ciphertext_for_recipient: Some(r.wrap(plaintext.expose())?),
            key_id: Some(key_arn),
            key_material_id: None,
            plaintext: None,
        },
        None => GenerateDataKeyResponse {
            ciphertext_blob: Some(blob),
            ciphertext_for_recipient: None,
            key_id: Some(key_arn),
            key_material_id: Some(material_id),
            plaintext: Some(plaintext),
        },
    })
}
