//! Imported key material (KMS `GetParametersForImport` / `ImportKeyMaterial`): the RSA wrapping
//! key, unwrapping with AWS's four wrapping algorithms, and the sealed import token.
//!
//! - RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256: the material is RSA-OAEP-encrypted directly (MGF1 with
//!   the same digest, empty label), as `openssl pkeyutl -pkeyopt rsa_padding_mode:oaep` makes it.
//! - RSA_AES_KEY_WRAP_SHA_1 / _SHA_256: `RSA-OAEP(aes_key) || AES-KWP(aes_key, material)`: the
//!   first modulus-length bytes wrap a 256-bit AES key, the rest is the material wrapped with AES
//!   key wrap with padding (RFC 5649, `openssl enc -id-aes256-wrap-pad`), as AWS's guide shows.
//!
//! The import token carries the wrapping private key back to the enclave: the parent is hostile
//! and nothing is stored per GetParametersForImport, so the token is AES-256-GCM under a key only
//! the enclave holds (derived from the sealing key), binding the key id, the algorithm and the
//! validity. A token that fails to open says only that ([`CryptoError::Decrypt`]).

use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};

use crate::{
    AES256_KEY_LEN, CryptoError, GCM_NONCE_LEN, RsaKeySize, RsaPrivateKey, SecretBytes,
    aes256_gcm_open, aes256_gcm_seal, random_array,
};

/// The first byte of every import token (its format version).
const TOKEN_VERSION: u8 = 1;
/// The additional data of every import token's AES-GCM.
const TOKEN_AAD: &[u8] = b"nitro-kms import token v1";

/// How key material is wrapped (the model's `AlgorithmSpec`, less the values AWS no longer
/// supports or supports only in China).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrappingAlgorithm {
    /// RSA-OAEP, SHA-1 and MGF1-SHA-1.
    RsaesOaepSha1,
    /// RSA-OAEP, SHA-256 and MGF1-SHA-256.
    RsaesOaepSha256,
    /// An AES-256 key under RSA-OAEP-SHA-1, then the material under AES-KWP.
    RsaAesKeyWrapSha1,
    /// An AES-256 key under RSA-OAEP-SHA-256, then the material under AES-KWP.
    RsaAesKeyWrapSha256,
}

impl WrappingAlgorithm {
    /// The token's byte for this algorithm.
    fn code(self) -> u8 {
        match self {
            Self::RsaesOaepSha1 => 1,
            Self::RsaesOaepSha256 => 2,
            Self::RsaAesKeyWrapSha1 => 3,
            Self::RsaAesKeyWrapSha256 => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [
            Self::RsaesOaepSha1,
            Self::RsaesOaepSha256,
            Self::RsaAesKeyWrapSha1,
            Self::RsaAesKeyWrapSha256,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }

    fn oaep(self) -> &'static OaepAlgorithm {
        match self {
            Self::RsaesOaepSha1 | Self::RsaAesKeyWrapSha1 => &OAEP_SHA1_MGF1SHA1,
            Self::RsaesOaepSha256 | Self::RsaAesKeyWrapSha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }
}

/// A fresh RSA wrapping key: its PKCS#8 private key (for the token) and its DER
/// SubjectPublicKeyInfo (GetParametersForImport's `PublicKey`).
pub fn generate_wrapping_key(size: RsaKeySize) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let key = RsaPrivateKey::generate(size)?;
    Ok((
        SecretBytes::copy_from(key.pkcs8_der().expose()),
        key.public_key_spki_der().to_vec(),
    ))
}

/// Opens material wrapped under the wrapping key `pkcs8` with `algorithm`. Every failure is
/// [`CryptoError::Decrypt`] (no padding oracle).
pub fn unwrap_key_material(
    pkcs8: &[u8],
    algorithm: WrappingAlgorithm,
    wrapped: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let key = PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey)?;
    let key = OaepPrivateDecryptingKey::new(key).map_err(|_| CryptoError::InvalidKey)?;
    let rsa_len = key.key_size_bytes();
    let oaep = |ciphertext: &[u8]| {
        let mut out = SecretBytes::zeroed(key.min_output_size());
        let n = key
            .decrypt(algorithm.oaep(), ciphertext, out.expose_mut(), None)
            .map_err(|_| CryptoError::Decrypt)?
            .len();
        out.truncate(n);
        Ok::<_, CryptoError>(out)
    };
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaesOaepSha256 => oaep(wrapped),
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            if wrapped.len() <= rsa_len {
                return Err(CryptoError::Decrypt);
            }
            let (rsa_part, kwp_part) = wrapped.split_at(rsa_len);
            let aes_key = oaep(rsa_part)?;
            if aes_key.len() != AES256_KEY_LEN {
                return Err(CryptoError::Decrypt);
            }
            let kek = AesKek::new(&AES_256, aes_key.expose()).map_err(|_| CryptoError::Decrypt)?;
            let mut out = SecretBytes::zeroed(kwp_part.len());
            let n = kek
                .unwrap_with_padding(kwp_part, out.expose_mut())
                .map_err(|_| CryptoError::Decrypt)?
                .len();
            out.truncate(n);
            Ok(out)
        }
    }
}

/// Wraps `material` under the wrapping public key `spki` with `algorithm`, as a KMS client
/// does before ImportKeyMaterial (for the RSA_AES algorithms with a fresh random AES-256 key):
/// what the CLI and the tests use, and the exact inverse of [`unwrap_key_material`].
pub fn wrap_key_material(
    spki: &[u8],
    algorithm: WrappingAlgorithm,
    material: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let public = PublicEncryptingKey::from_der(spki).map_err(|_| CryptoError::InvalidKey)?;
    let public = OaepPublicEncryptingKey::new(public).map_err(|_| CryptoError::InvalidKey)?;
    let rsa = |plain: &[u8]| {
        let mut out = vec![0u8; public.ciphertext_size()];
        let n = public
            .encrypt(algorithm.oaep(), plain, &mut out, None)
            .map_err(|_| CryptoError::Encrypt)?
            .len();
        out.truncate(n);
        Ok::<_, CryptoError>(out)
    };
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaesOaepSha256 => rsa(material),
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            let aes_key = crate::random_secret(AES256_KEY_LEN)?;
            let mut out = rsa(aes_key.expose())?;
            let kek = AesKek::new(&AES_256, aes_key.expose()).map_err(|_| CryptoError::Encrypt)?;
            // AES-KWP output: the material padded to 8 bytes, plus one 8-byte block.
            let mut wrapped = vec![0u8; material.len().div_ceil(8) * 8 + 8];
            let n = kek
                .wrap_with_padding(material, &mut wrapped)
                .map_err(|_| CryptoError::Encrypt)?
                .len();
            out.extend_from_slice(&wrapped[..n]);
            Ok(out)
        }
    }
}

/// What an import token holds: the wrapping private key and what it may be used for.
pub struct ImportToken {
    /// The key id the token was made for.
    pub key_id: String,
    /// The wrapping algorithm the caller chose.
    pub algorithm: WrappingAlgorithm,
    /// When the token stops being valid, ms since the epoch.
    pub valid_to_ms: u64,
    /// The wrapping private key (PKCS#8 DER).
    pub wrapping_key: SecretBytes,
}

impl std::fmt::Debug for ImportToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportToken")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("valid_to_ms", &self.valid_to_ms)
            .field("wrapping_key", &"[REDACTED]")
            .finish()
    }
}

impl ImportToken {
    /// Seals the token under `token_key` (32 bytes only the enclave holds):
    /// `version || nonce || AES-256-GCM(algorithm || valid_to || id_len || key_id || pkcs8)`.
    pub fn seal(&self, token_key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let id = self.key_id.as_bytes();
        let id_len = u8::try_from(id.len()).map_err(|_| CryptoError::Encrypt)?;
        let mut plain = SecretBytes::zeroed(0);
        let buf = plain.expose_mut();
        buf.push(self.algorithm.code());
        buf.extend_from_slice(&self.valid_to_ms.to_be_bytes());
        buf.push(id_len);
        buf.extend_from_slice(id);
        buf.extend_from_slice(self.wrapping_key.expose());
        let nonce: [u8; GCM_NONCE_LEN] = random_array()?;
        let sealed = aes256_gcm_seal(token_key, &nonce, TOKEN_AAD, plain.expose())?;
        let mut token = Vec::with_capacity(1 + GCM_NONCE_LEN + sealed.len());
        token.push(TOKEN_VERSION);
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&sealed);
        Ok(token)
    }

    /// Opens a token made by [`ImportToken::seal`] under the same key; a token of another key,
    /// tampered with or not made here is [`CryptoError::Decrypt`].
    pub fn open(token_key: &[u8], token: &[u8]) -> Result<Self, CryptoError> {
        let (&version, rest) = token.split_first().ok_or(CryptoError::Decrypt)?;
        if version != TOKEN_VERSION || rest.len() < GCM_NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = rest.split_at(GCM_NONCE_LEN);
        let nonce: [u8; GCM_NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Decrypt)?;
        let plain = aes256_gcm_open(token_key, &nonce, TOKEN_AAD, sealed)?;
        let p = plain.expose();
        let (&code, p) = p.split_first().ok_or(CryptoError::Decrypt)?;
        let algorithm = WrappingAlgorithm::from_code(code).ok_or(CryptoError::Decrypt)?;
        let (valid_to, p) = p.split_at_checked(8).ok_or(CryptoError::Decrypt)?;
        let valid_to_ms =
            u64::from_be_bytes(valid_to.try_into().map_err(|_| CryptoError::Decrypt)?);
        let (&id_len, p) = p.split_first().ok_or(CryptoError::Decrypt)?;
        let (id, pkcs8) = p
            .split_at_checked(usize::from(id_len))
            .ok_or(CryptoError::Decrypt)?;
        let key_id = String::from_utf8(id.to_vec()).map_err(|_| CryptoError::Decrypt)?;
        Ok(Self {
            key_id,
            algorithm,
            valid_to_ms,
            wrapping_key: SecretBytes::copy_from(pkcs8),
        })
    }
}

#[cfg(test)]
mod tests;
