//! ReEncrypt: decrypts a blob and encrypts its plaintext under another key or context, without
//! the plaintext ever leaving the enclave. The caller needs `kms:ReEncryptFrom` on the source key
//! and `kms:ReEncryptTo` on the destination key, as on AWS.
//!
//! Either side may be an RSA `ENCRYPT_DECRYPT` key ([`super::rsa_encryption_key`]): an RSA source
//! needs `SourceKeyId` and `SourceEncryptionAlgorithm` (its ciphertext names no key), an RSA
//! destination needs `DestinationEncryptionAlgorithm` and takes no encryption context, and the
//! key material ids are answered only for symmetric sides, as Decrypt and Encrypt do.

use std::sync::Arc;

use nitro_kms_api::ops::{ReEncryptRequest, ReEncryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{Blob, KmsError, Operation};
use nitro_kms_crypto::SecretBytes;

use super::access::{self, Aliases};
use super::ciphertext;
use super::rsa_encryption_key as rsa;
use crate::context::Context;

const OP: Operation = Operation::ReEncrypt;

/// Runs ReEncrypt for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ReEncryptRequest,
) -> Result<ReEncryptResponse, KmsError> {
    let source_context = access::context_map(req.source_encryption_context.as_ref());
    let destination_context = access::context_map(req.destination_encryption_context.as_ref());
    let blob = req
        .ciphertext_blob
        .as_ref()
        .map(|b| b.as_bytes())
        .unwrap_or_default();
    let destination_id = req.destination_key_id.as_deref().unwrap_or_default();
    svc.store.read(|ks| {
        let source = match req.source_key_id.as_deref() {
            Some(requested) => {
                let key = access::resolve(svc, ks, caller, OP, requested, Aliases::Allowed)?;
                if !rsa::is_rsa_encryption_key(&key) && ciphertext::key_id_of(blob)? != key.key_id {
                    return Err(KmsError::incorrect_key());
                }
                key
            }
            None => {
                let id = ciphertext::key_id_of(blob)?;
                access::by_id(ks, &id).ok_or_else(KmsError::invalid_ciphertext)?
            }
        };
        let source = access::authorize_action(
            svc,
            source,
            caller,
            "kms:ReEncryptFrom",
            &source_context,
            None,
        )?;
        access::require_usable(svc, &source)?;
        let source_rsa = if rsa::is_rsa_encryption_key(&source) {
            let hash = rsa::oaep_hash(&source, req.source_encryption_algorithm())?;
            rsa::require_no_context(&source_context)?;
            Some(hash)
        } else {
            access::symmetric_material(svc, &source, OP)?;
            access::require_symmetric_algorithm(&source, req.source_encryption_algorithm())?;
            None
        };
        let destination = access::resolve(svc, ks, caller, OP, destination_id, Aliases::Allowed)?;
        let destination = access::authorize_action(
            svc,
            destination,
            caller,
            "kms:ReEncryptTo",
            &destination_context,
            None,
        )?;
        access::require_usable(svc, &destination)?;
        let destination_rsa = if rsa::is_rsa_encryption_key(&destination) {
            let hash = rsa::oaep_hash(&destination, req.destination_encryption_algorithm())?;
            rsa::require_no_context(&destination_context)?;
            Some(hash)
        } else {
            access::symmetric_material(svc, &destination, OP)?;
            access::require_symmetric_algorithm(
                &destination,
                req.destination_encryption_algorithm(),
            )?;
            None
        };
        let (plaintext, source_algorithm, source_material_id): (SecretBytes, _, _) =
            match source_rsa {
                Some(hash) => (
                    rsa::decrypt(svc, &source, hash, blob)?,
                    rsa::algorithm_name(hash),
                    None,
                ),
                None => {
                    let (plaintext, material) =
                        ciphertext::open_under(&source, blob, &source_context)?;
                    (
                        plaintext,
                        EncryptionAlgorithmSpec::SymmetricDefault,
                        Some(ciphertext::material_id_hex(material)),
                    )
                }
            };
        let (sealed, destination_algorithm, destination_material_id) = match destination_rsa {
            Some(hash) => (
                Blob::new(rsa::encrypt(svc, &destination, hash, plaintext.expose())?),
                rsa::algorithm_name(hash),
                None,
            ),
            None => {
                let material = access::symmetric_material(svc, &destination, OP)?;
                (
                    ciphertext::seal_under(
                        &destination,
                        material,
                        &destination_context,
                        plaintext.expose(),
                    )?,
                    EncryptionAlgorithmSpec::SymmetricDefault,
                    Some(ciphertext::material_id_hex(material)),
                )
            }
        };
        access::dry_run(req.dry_run)?;
        Ok(ReEncryptResponse {
            ciphertext_blob: Some(sealed),
            destination_encryption_algorithm: Some(destination_algorithm),
            destination_key_material_id: destination_material_id,
            key_id: Some(svc.identity.key_arn(&destination.key_id)),
            source_encryption_algorithm: Some(source_algorithm),
            source_key_id: Some(svc.identity.key_arn(&source.key_id)),
            source_key_material_id: source_material_id,
        })
    })
}
