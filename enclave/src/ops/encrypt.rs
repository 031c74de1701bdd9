//! Encrypt: up to 4096 bytes under a symmetric KMS key, bound to an encryption context, or a
//! few hundred bytes under an RSA `ENCRYPT_DECRYPT` key with `RSAES_OAEP_SHA_1`/`_256` (the raw
//! OAEP ciphertext, as AWS answers; the rules are [`super::rsa_encryption_key`]'s).
//!
//! Any other key (signing, MAC, key agreement) is refused with `InvalidKeyUsageException`.

use std::sync::Arc;

use nitro_kms_api::ops::{EncryptRequest, EncryptResponse};
use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{Blob, KmsError, Operation};

use super::access::{self, Aliases};
use super::ciphertext;
use super::rsa_encryption_key as rsa;
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
        if rsa::is_rsa_encryption_key(&key) {
            let hash = rsa::oaep_hash(&key, req.encryption_algorithm())?;
            rsa::require_no_context(&context)?;
            let blob = rsa::encrypt(svc, &key, hash, plaintext)?;
            access::dry_run(req.dry_run)?;
            return Ok(EncryptResponse {
                ciphertext_blob: Some(Blob::new(blob)),
                encryption_algorithm: Some(rsa::algorithm_name(hash)),
                key_id: Some(svc.identity.key_arn(&key.key_id)),
            });
        }
        let material = access::symmetric_material(svc, &key, OP)?;
        access::require_symmetric_algorithm(&key, req.encryption_algorithm())?;
        access::dry_run(req.dry_run)?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(ciphertext::seal_under(&key, material, &context, plaintext)?),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some(svc.identity.key_arn(&key.key_id)),
        })
    })
}
