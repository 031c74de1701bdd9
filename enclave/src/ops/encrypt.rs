//! Encrypt: up to 4096 bytes under a symmetric KMS key, bound to an encryption context.
//!
//! Asymmetric keys are kept as metadata only (no RSA encryption here), so any key that is not a
//! SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key is refused with `InvalidKeyUsageException`.

use std::sync::Arc;

use nitro_kms_api::ops::{EncryptRequest, EncryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use super::ciphertext;
use crate::context::Context;

const OP: Operation = Operation::Encrypt;

/// Runs Encrypt for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: EncryptRequest,
) -> Result<EncryptResponse, KmsError> {
    let context = access::context_map(req.encryption_context.as_ref());
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let plaintext = req
        .plaintext
        .as_ref()
        .map(|p| p.expose())
        .unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &context, None)?;
        access::require_usable(svc, &key)?;
        let material = access::symmetric_material(svc, &key, OP)?;
        access::require_symmetric_algorithm(svc, &key, req.encryption_algorithm())?;
        access::dry_run(req.dry_run)?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(ciphertext::seal_under(&key, material, &context, plaintext)?),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some(svc.identity.key_arn(&key.key_id)),
        })
    })
}
