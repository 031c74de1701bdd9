//! ReEncrypt: decrypts a blob and encrypts its plaintext under another key or context, without
//! the plaintext ever leaving the enclave. The caller needs `kms:ReEncryptFrom` on the source key
//! and `kms:ReEncryptTo` on the destination key, as on AWS.

use std::sync::Arc;

use nitro_kms_api::ops::{ReEncryptRequest, ReEncryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use super::ciphertext;
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
                if ciphertext::key_id_of(blob)? != key.key_id {
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
        access::symmetric_material(svc, &source, OP)?;
        access::require_symmetric_algorithm(svc, &source, req.source_encryption_algorithm())?;
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
        let destination_material = access::symmetric_material(svc, &destination, OP)?;
        access::require_symmetric_algorithm(
            svc,
            &destination,
            req.destination_encryption_algorithm(),
        )?;
        let (plaintext, source_material) = ciphertext::open_under(&source, blob, &source_context)?;
        access::dry_run(req.dry_run)?;
        Ok(ReEncryptResponse {
            ciphertext_blob: Some(ciphertext::seal_under(
                &destination,
                destination_material,
                &destination_context,
                plaintext.expose(),
            )?),
            destination_encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            destination_key_material_id: Some(ciphertext::material_id_hex(destination_material)),
            key_id: Some(svc.identity.key_arn(&destination.key_id)),
            source_encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            source_key_id: Some(svc.identity.key_arn(&source.key_id)),
            source_key_material_id: Some(ciphertext::material_id_hex(source_material)),
        })
    })
}
