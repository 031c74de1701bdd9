//! Decrypt: opens a ciphertext blob made by Encrypt, GenerateDataKey(WithoutPlaintext) or
//! GenerateDataKeyPair(WithoutPlaintext).
//!
//! The blob names its key, so `KeyId` is optional; when given it must be that key
//! (`IncorrectKeyException` otherwise). The exact encryption context used to encrypt is required;
//! any difference or any tampering is `InvalidCiphertextException` with an empty message. With a
//! `Recipient`, the plaintext is returned only inside `CiphertextForRecipient`.

use std::sync::Arc;

use nitro_kms_api::ops::{DecryptRequest, DecryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use super::ciphertext;
use crate::context::Context;

const OP: Operation = Operation::Decrypt;

/// Runs Decrypt for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DecryptRequest,
) -> Result<DecryptResponse, KmsError> {
    let context = access::context_map(req.encryption_context.as_ref());
    let blob = req
        .ciphertext_blob
        .as_ref()
        .map(|b| b.as_bytes())
        .unwrap_or_default();
    let recipient = svc.verify_recipient(req.recipient.as_ref())?;
    let (plaintext, key_arn, material_id) = svc.store.read(|ks| {
        let key = match req.key_id.as_deref() {
            Some(requested) => {
                let key = access::resolve(svc, ks, caller, OP, requested, Aliases::Allowed)?;
                if !req.ignores_ciphertext() && ciphertext::key_id_of(blob)? != key.key_id {
                    return Err(KmsError::incorrect_key());
                }
                key
            }
            None => {
                let id = ciphertext::key_id_of(blob)?;
                access::by_id(ks, &id).ok_or_else(KmsError::invalid_ciphertext)?
            }
        };
        let key = access::authorize(
            svc,
            key,
            caller,
            OP,
            &context,
            recipient.as_ref().map(|r| &r.facts),
        )?;
        access::require_usable(svc, &key)?;
        access::symmetric_material(svc, &key, OP).map_err(|e| {
            // A blob cannot name a non-symmetric key unless KeyId pointed there.
            if req.key_id.is_some() {
                KmsError::incorrect_key()
            } else {
                e
            }
        })?;
        access::require_symmetric_algorithm(svc, &key, req.encryption_algorithm())?;
        if req.ignores_ciphertext() {
            access::dry_run(req.dry_run)?;
        }
        let (plaintext, material) = ciphertext::open_under(&key, blob, &context)?;
        access::dry_run(req.dry_run)?;
        Ok((
            plaintext,
            svc.identity.key_arn(&key.key_id),
            ciphertext::material_id_hex(material),
        ))
    })?;
    Ok(match recipient {
        Some(r) => DecryptResponse {
            ciphertext_for_recipient: Some(r.wrap(plaintext.expose())?),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some(key_arn),
            key_material_id: None,
            plaintext: None,
        },
        None => DecryptResponse {
            ciphertext_for_recipient: None,
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some(key_arn),
            key_material_id: Some(material_id),
            plaintext: Some(plaintext),
        },
    })
}
