//! Steps the imported-key-material operations share (issue 18, part 5): the `EXTERNAL` origin
//! check, the import-token key, the material's id and the length each key spec imports.
//!
//! Sources: the model (`kms-service-2.json`), AWS's "Importing key material" guide and the
//! recorded real errors (aws-kms-real-errors.txt: `<key-arn> origin is AWS_KMS which is not valid
//! for this operation.`, `<key-arn> is pending import.`).

use nitro_kms_api::types::KeySpec;
use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_crypto::SecretBytes;

use crate::context::Context;
use crate::keystore::StoredKey;

/// How long GetParametersForImport's token and public key stay valid (AWS: 24 hours).
pub const PARAMETERS_VALIDITY_MS: u64 = 24 * 60 * 60 * 1000;

/// The label of the import-token key derived from the sealing key: only enclaves of this image
/// holding this keystore can make or open a token.
const TOKEN_KEY_LABEL: &[u8] = b"nitro-kms import token v1";

/// `UnsupportedOperationException` unless `key`'s origin is `EXTERNAL`, in AWS's words.
pub fn require_external(svc: &Context, key: &StoredKey) -> Result<(), KmsError> {
    match key.import {
        Some(_) => Ok(()),
        None => Err(not_valid_for_origin(svc, key)),
    }
}

/// `<key-arn> origin is ORIGIN which is not valid for this operation.`
/// (`UnsupportedOperationException`).
pub fn not_valid_for_origin(svc: &Context, key: &StoredKey) -> KmsError {
    let origin = if key.import.is_some() {
        "EXTERNAL"
    } else {
        "AWS_KMS"
    };
    KmsError::new(
        KmsErrorType::UnsupportedOperation,
        format!(
            "{} origin is {origin} which is not valid for this operation.",
            svc.identity.key_arn(&key.key_id)
        ),
    )
}

/// The AES-256 key import tokens are sealed under.
pub fn token_key(svc: &Context) -> Result<SecretBytes, KmsError> {
    svc.store
        .derive_key(TOKEN_KEY_LABEL)
        .map_err(|_| KmsError::internal("the import token key is unavailable"))
}

/// The id of imported material: HMAC-SHA-256 keyed with the material over the key id, so the
/// same bytes imported into the same key always get the same id (ciphertexts made before a
/// deletion open again after a re-import) and the id reveals nothing of the material.
pub fn material_id(key_id: &str, material: &[u8]) -> [u8; 32] {
    let mut data = b"nitro-kms imported key material id v1 ".to_vec();
    data.extend_from_slice(key_id.as_bytes());
    nitro_kms_crypto::hmac_sha256(material, &data)
}

/// The material length a key spec imports, `None` for specs whose import is not served here.
pub fn material_len(spec: KeySpec) -> Option<usize> {
    match spec {
        KeySpec::SymmetricDefault => Some(32),
        KeySpec::Hmac224 => Some(28),
        KeySpec::Hmac256 => Some(32),
        KeySpec::Hmac384 => Some(48),
        KeySpec::Hmac512 => Some(64),
        _ => None,
    }
}
