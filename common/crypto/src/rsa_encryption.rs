//! RSA `ENCRYPT_DECRYPT` keys, as KMS Encrypt, Decrypt and ReEncrypt use them.
//!
//! KMS offers two algorithms for these keys, both PKCS#1 v2.2 RSAES-OAEP with an empty label:
//! `RSAES_OAEP_SHA_1` (SHA-1 for the hash and for MGF1) and `RSAES_OAEP_SHA_256` (SHA-256 for
//! both). The ciphertext is the raw OAEP ciphertext, as long as the modulus: AWS adds no header,
//! so a ciphertext made by anyone with the public key (OpenSSL, Python's `cryptography`) decrypts
//! here. Keys are the same PKCS#8 DER RSA private keys [`crate::signing`] generates (one
//! generator for both usages); they are parsed per call, like signing keys.
//!
//! Decryption goes through aws-lc-rs's constant-time OAEP, and every failure (wrong algorithm,
//! tampered or foreign ciphertext, wrong length) is the same [`CryptoError::Decrypt`], so the
//! service built on it cannot become a padding oracle.

use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey,
};

use crate::{CryptoError, SecretBytes};

/// The OAEP variants of KMS's RSA encryption algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    /// `RSAES_OAEP_SHA_1`: SHA-1 for the OAEP hash and MGF1.
    Sha1,
    /// `RSAES_OAEP_SHA_256`: SHA-256 for the OAEP hash and MGF1.
    Sha256,
}

impl OaepHash {
    /// The hash's output length in bytes (OAEP's `hLen`).
    pub const fn output_len(self) -> usize {
        match self {
            OaepHash::Sha1 => 20,
            OaepHash::Sha256 => 32,
        }
    }

    fn algorithm(self) -> &'static OaepAlgorithm {
        match self {
            OaepHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
            OaepHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }
}

/// The longest plaintext OAEP with `hash` can encrypt under a `modulus_bits`-bit key:
/// `k - 2·hLen - 2` bytes (RFC 8017 §7.1.1). For KMS's specs this is AWS's published table:
/// 214/190 bytes for RSA_2048, 342/318 for RSA_3072, 470/446 for RSA_4096 (SHA-1/SHA-256).
pub const fn max_plaintext_len(modulus_bits: usize, hash: OaepHash) -> usize {
    (modulus_bits / 8).saturating_sub(2 * hash.output_len() + 2)
}

/// Encrypts `plaintext` with RSAES-OAEP (`hash`, empty label) under the public half of the RSA
/// private key `pkcs8`. A plaintext longer than [`max_plaintext_len`] is
/// [`CryptoError::Encrypt`]; callers check the limit first to answer with AWS's message.
pub fn encrypt(pkcs8: &[u8], hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let private = PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey)?;
    let public =
        OaepPublicEncryptingKey::new(private.public_key()).map_err(|_| CryptoError::InvalidKey)?;
    let mut out = vec![0u8; public.ciphertext_size()];
    let len = public
        .encrypt(hash.algorithm(), plaintext, &mut out, None)
        .map_err(|_| CryptoError::Encrypt)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// Decrypts the RSAES-OAEP (`hash`, empty label) `ciphertext` with the RSA private key `pkcs8`,
/// in constant time. Any failure at all is [`CryptoError::Decrypt`].
pub fn decrypt(
    pkcs8: &[u8],
    hash: OaepHash,
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let private = PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey)?;
    let private = OaepPrivateDecryptingKey::new(private).map_err(|_| CryptoError::InvalidKey)?;
    let mut out = SecretBytes::zeroed(private.min_output_size());
    let len = private
        .decrypt(hash.algorithm(), ciphertext, out.expose_mut(), None)
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    Ok(SecretBytes::copy_from(&out.expose()[..len]))
}

/// The modulus size in bits of the RSA private key `pkcs8`.
pub fn modulus_bits(pkcs8: &[u8]) -> Result<usize, CryptoError> {
    PrivateDecryptingKey::from_pkcs8(pkcs8)
        .map(|k| k.key_size_bits())
        .map_err(|_| CryptoError::InvalidKey)
}

#[cfg(test)]
mod tests;
