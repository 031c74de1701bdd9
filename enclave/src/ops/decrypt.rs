//! Decrypt: opens a ciphertext blob made by Encrypt, GenerateDataKey(WithoutPlaintext) or
//! GenerateDataKeyPair(WithoutPlaintext), or a raw RSAES-OAEP ciphertext for an RSA
//! `ENCRYPT_DECRYPT` key (made by Encrypt or by anyone holding its public key).
//!
//! A symmetric blob names its key, so `KeyId` is optional; when given it must be that key
//! (`IncorrectKeyException` otherwise). The exact encryption context used to encrypt is required;
//! any difference or any tampering is `InvalidCiphertextException` with an empty message. An RSA
//! ciphertext names nothing (AWS: "KMS cannot store metadata in ciphertext generated with
//! asymmetric keys"), so it needs `KeyId` and its `EncryptionAlgorithm`: without `KeyId` it is read
//! as a symmetric blob and is `InvalidCiphertextException`, and every RSA decryption failure is
//! that same empty error ([`super::rsa_encryption_key`]). With a `Recipient`, the plaintext is
//! returned only inside `CiphertextForRecipient`, for RSA keys too (the Decrypt API reference's
//! `Recipient` is not limited to symmetric keys).

use std::sync::Arc;

use nitro_kms_api::ops::{DecryptRequest, DecryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::SecretBytes;

use super::access::{self, Aliases};
use super::ciphertext;
use super::rsa_encryption_key as rsa;
use crate::context::Context;

const OP: Operation = Operation::Decrypt;

/// What a successful decryption found, for the answer.
struct Opened {
    plaintext: SecretBytes,
    key_arn: String,
    algorithm: EncryptionAlgorithmSpec,
    /// The key material's id; only symmetric ciphertexts have one (the model: "present only when
    /// the operation uses a symmetric encryption KMS key").
    material_id: Option<String>,
}

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
    let opened = svc.store.read(|ks| {
        let key = match req.key_id.as_deref() {
            Some(requested) => {
                let key = access::resolve(svc, ks, caller, OP, requested, Aliases::Allowed)?;
                if !rsa::is_rsa_encryption_key(&key)
                    && !req.ignores_ciphertext()
                    && ciphertext::key_id_of(blob)? != key.key_id
                {
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
        if rsa::is_rsa_encryption_key(&key) {
            let hash = rsa::oaep_hash(&key, req.encryption_algorithm())?;
            rsa::require_no_context(&context)?;
            if req.ignores_ciphertext() {
                access::dry_run(req.dry_run)?;
            }
            let plaintext = rsa::decrypt(svc, &key, hash, blob)?;
            access::dry_run(req.dry_run)?;
            return Ok(Opened {
                plaintext,
                key_arn: svc.identity.key_arn(&key.key_id),
                algorithm: rsa::algorithm_name(hash),
                material_id: None,
            });
        }
        access::symmetric_material(svc, &key, OP).map_err(|e| {
            // A blob cannot name a non-symmetric key unless KeyId pointed there.
            if req.key_id.is_some() {
                KmsError::incorrect_key()
            } else {
                e
            }
        })?;
        access::require_symmetric_algorithm(&key, req.encryption_algorithm())?;
        if req.ignores_ciphertext() {
            access::dry_run(req.dry_run)?;
        }
        let (plaintext, material) = ciphertext::open_under(&key, blob, &context)?;
        access::dry_run(req.dry_run)?;
        Ok(Opened {
            plaintext,
            key_arn: svc.identity.key_arn(&key.key_id),
            algorithm: EncryptionAlgorithmSpec::SymmetricDefault,
            material_id: Some(ciphertext::material_id_hex(material)),
        })
    })?;
    Ok(match recipient {
        Some(r) => DecryptResponse {
            ciphertext_for_recipient: Some(r.wrap(opened.plaintext.expose())?),
            encryption_algorithm: Some(opened.algorithm),
            key_id: Some(opened.key_arn),
            key_material_id: None,
            plaintext: None,
        },
        None => DecryptResponse {
            ciphertext_for_recipient: None,
            encryption_algorithm: Some(opened.algorithm),
            key_id: Some(opened.key_arn),
            key_material_id: opened.material_id,
            plaintext: Some(opened.plaintext),
        },
    })
}
