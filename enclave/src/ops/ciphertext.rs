//! Ciphertext blobs as operations use them: seal under a key, find a blob's key, open it.
//!
//! The byte format lives in [`crate::ciphertext_blob`]; this module ties it to stored keys and AWS
//! errors.
//! Every failure to open — unknown key, other key material, tampering, another encryption
//! context — is the same `InvalidCiphertextException` with an empty message, as AWS answers.

use std::collections::BTreeMap;

use nitro_kms_api::{Blob, KmsError};
use nitro_kms_crypto::secret::SecretBytes;

use super::access::Authorized;
use crate::ciphertext_blob::{self, BlobHeader};
use crate::keystore::{KeyMaterial, StoredKey};

/// Seals `plaintext` under `key`'s current material, binding `context`. Only a key authorized
/// for this request can be sealed under (see [`super::access`]: the key is resolved once).
pub fn seal_under(
    key: &Authorized<'_>,
    material: &KeyMaterial,
    context: &BTreeMap<String, String>,
    plaintext: &[u8],
) -> Result<Blob, KmsError> {
    let (key_id, multi_region) = ciphertext_blob::parse_any_key_id(&key.key_id)
        .ok_or_else(|| KmsError::internal("stored key id is not a key id"))?;
    let header = BlobHeader {
        key_id,
        key_material_id: material.id,
        multi_region,
    };
    ciphertext_blob::seal(material.secret.expose(), &header, context, plaintext)
        .map(Blob::new)
        .map_err(|e| KmsError::internal(format!("cannot encrypt: {e}")))
}

/// The key id a blob names (unauthenticated until [`open_under`] succeeds).
pub fn key_id_of(ciphertext: &[u8]) -> Result<String, KmsError> {
    ciphertext_blob::peek_header(ciphertext)
        .map(|h| h.key_id_string())
        .map_err(|_| KmsError::invalid_ciphertext())
}

/// Opens a blob under `key` with the material the blob names: the current one or one a rotation
/// replaced, so ciphertexts of every earlier material still decrypt. Returns the plaintext and
/// the material used (its id is the answer's `KeyMaterialId`).
pub fn open_under<'k>(
    key: &'k StoredKey,
    ciphertext: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<(SecretBytes, &'k KeyMaterial), KmsError> {
    let header =
        ciphertext_blob::peek_header(ciphertext).map_err(|_| KmsError::invalid_ciphertext())?;
    let material = key
        .material_by_id(&header.key_material_id)
        .ok_or_else(KmsError::invalid_ciphertext)?;
    let plaintext = ciphertext_blob::open(material.secret.expose(), ciphertext, context)
        .map_err(|_| KmsError::invalid_ciphertext())?;
    Ok((plaintext, material))
}

/// `KeyMaterialId` as responses render it (64 lower-case hex digits).
pub fn material_id_hex(material: &KeyMaterial) -> String {
    nitro_kms_crypto::hex_lower(&material.id)
}
