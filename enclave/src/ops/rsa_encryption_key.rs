//! What Encrypt, Decrypt and ReEncrypt do with an RSA `ENCRYPT_DECRYPT` key, after
//! [`super::access`] found, authorized and state-checked it. The cryptography is
//! `nitro_kms_crypto::rsa_encryption`; this module is AWS's rules around it:
//!
//! - The algorithm: an RSA key needs `RSAES_OAEP_SHA_1` or `RSAES_OAEP_SHA_256`. The default
//!   (`SYMMETRIC_DEFAULT`, also what an absent `EncryptionAlgorithm` means) is
//!   `InvalidKeyUsageException` `Algorithm SYMMETRIC_DEFAULT is incompatible with key spec
//!   RSA_4096.` — the message real AWS gives clients that omit the algorithm (quoted from real
//!   AWS in zalando/spring-cloud-config-aws-kms#82, getsops/sops#684, pulumi/pulumi#17649). It is
//!   checked before the encryption context, as those clients (which send a context) show.
//! - The encryption context: AWS documents it as supported only with symmetric encryption keys
//!   (Encrypt API reference, `EncryptionContext`); a non-empty one is refused with
//!   `ValidationException` (see [`context_refused`]).
//! - The size: the plaintext limit per spec and algorithm is AWS's table (Encrypt API reference),
//!   and one byte more is `ValidationException` `Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048
//!   cannot encrypt data larger than 214 bytes.` (aws-kms-real-errors.txt,
//!   `test_encrypt_validate_plaintext_size_per_key_type`).
//! - The material: a key created before this service generated RSA encryption keys has none:
//!   `KMSInvalidStateException` ([`super::signing_key::material`]).
//! - Decryption failures of every kind are one `InvalidCiphertextException` with AWS's empty
//!   message: no padding oracle.

use std::collections::BTreeMap;

use nitro_kms_api::types::{EncryptionAlgorithmSpec, KeySpec, KeyUsageType};
use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_crypto::SecretBytes;
use nitro_kms_crypto::rsa_encryption::{self, OaepHash};

use super::signing_key;
use crate::context::Context;
use crate::keystore::StoredKey;

/// Whether `key` is an RSA key for encryption (the keys this module serves).
pub fn is_rsa_encryption_key(key: &StoredKey) -> bool {
    matches!(
        key.key_spec,
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096
    ) && key.key_usage == KeyUsageType::EncryptDecrypt
}

/// The OAEP variant `requested` names for the RSA key `key`, or AWS's
/// `Algorithm X is incompatible with key spec RSA_n.` (`requested` is the validated request's
/// algorithm, `SYMMETRIC_DEFAULT` when absent).
pub fn oaep_hash(
    key: &StoredKey,
    requested: Option<EncryptionAlgorithmSpec>,
) -> Result<OaepHash, KmsError> {
    let requested = requested.unwrap_or(EncryptionAlgorithmSpec::SymmetricDefault);
    match requested {
        EncryptionAlgorithmSpec::RsaesOaepSha1 => Ok(OaepHash::Sha1),
        EncryptionAlgorithmSpec::RsaesOaepSha256 => Ok(OaepHash::Sha256),
        other => Err(KmsError::incompatible_algorithm(
            other.as_str(),
            key.key_spec.as_str(),
        )),
    }
}

/// The KMS name of an OAEP variant (what the answers echo).
pub fn algorithm_name(hash: OaepHash) -> EncryptionAlgorithmSpec {
    match hash {
        OaepHash::Sha1 => EncryptionAlgorithmSpec::RsaesOaepSha1,
        OaepHash::Sha256 => EncryptionAlgorithmSpec::RsaesOaepSha256,
    }
}

/// An encryption context given with an asymmetric key. AWS documents that only symmetric
/// encryption keys take one; no public recording of AWS's answer was found, so this is
/// `ValidationException` naming the parameter (a client error, never silently ignored: an
/// ignored context would let a caller believe the ciphertext is bound to it).
pub fn context_refused() -> KmsError {
    KmsError::new(
        KmsErrorType::Validation,
        "EncryptionContext is not supported with asymmetric KMS keys.",
    )
}

/// Refuses a non-empty encryption context ([`context_refused`]).
pub fn require_no_context(context: &BTreeMap<String, String>) -> Result<(), KmsError> {
    if context.is_empty() {
        Ok(())
    } else {
        Err(context_refused())
    }
}

/// Encrypts `plaintext` under the RSA key `key` with `hash`: AWS's size limit first, then raw
/// OAEP.
pub fn encrypt(
    svc: &Context,
    key: &StoredKey,
    hash: OaepHash,
    plaintext: &[u8],
) -> Result<Vec<u8>, KmsError> {
    let material = signing_key::material(svc, key)?;
    let bits = rsa_encryption::modulus_bits(material.secret.expose())
        .map_err(|_| KmsError::internal("stored private key does not parse"))?;
    let limit = rsa_encryption::max_plaintext_len(bits, hash);
    if plaintext.len() > limit {
        return Err(KmsError::new(
            KmsErrorType::Validation,
            format!(
                "Algorithm {} and key spec {} cannot encrypt data larger than {limit} bytes.",
                algorithm_name(hash).as_str(),
                key.key_spec.as_str()
            ),
        ));
    }
    rsa_encryption::encrypt(material.secret.expose(), hash, plaintext)
        .map_err(|_| KmsError::internal("RSA encryption failed"))
}

/// Decrypts `ciphertext` with the RSA key `key` and `hash`. Every failure is
/// `InvalidCiphertextException` with an empty message.
pub fn decrypt(
    svc: &Context,
    key: &StoredKey,
    hash: OaepHash,
    ciphertext: &[u8],
) -> Result<SecretBytes, KmsError> {
    let material = signing_key::material(svc, key)?;
    rsa_encryption::decrypt(material.secret.expose(), hash, ciphertext)
        .map_err(|_| KmsError::invalid_ciphertext())
}

#[cfg(test)]
mod tests;
