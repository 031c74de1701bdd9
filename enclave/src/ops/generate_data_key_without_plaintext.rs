//! GenerateDataKeyWithoutPlaintext: like GenerateDataKey, but only the encrypted copy is returned
//! (for a component that stores the key now and decrypts it later). No `Recipient` here.

use std::sync::Arc;

use nitro_kms_api::ops::{
    GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse,
};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto as crypto;

use super::access::{self, Aliases};
use super::ciphertext;
use crate::context::Context;

const OP: Operation = Operation::GenerateDataKeyWithoutPlaintext;

/// Runs GenerateDataKeyWithoutPlaintext for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateDataKeyWithoutPlaintextRequest,
) -> Result<GenerateDataKeyWithoutPlaintextResponse, KmsError> {
    let len = req
        .data_key_len()
        .ok_or_else(KmsError::key_spec_or_number_of_bytes)?;
    let context = access::context_map(req.encryption_context.as_ref());
    let key_id = req.key_id.as_deref().unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &context, None)?;
        access::require_usable(svc, &key)?;
        let material = access::symmetric_material(svc, &key, OP)?;
        access::dry_run(req.dry_run)?;
        let plaintext = crypto::random_secret(len)
            .map_err(|_| KmsError::internal("no randomness available"))?;
        Ok(GenerateDataKeyWithoutPlaintextResponse {
            ciphertext_blob: Some(ciphertext::seal_under(
                &key,
                material,
                &context,
                plaintext.expose(),
            )?),
            key_id: Some(svc.identity.key_arn(&key.key_id)),
            key_material_id: Some(ciphertext::material_id_hex(material)),
        })
    })
}
