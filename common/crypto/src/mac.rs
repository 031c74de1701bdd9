//! HMAC with the SHA-2 family, as KMS HMAC keys use it (GenerateMac, VerifyMac).
//!
//! KMS offers four HMAC key specs (`HMAC_224` to `HMAC_512`), each with exactly one MAC algorithm
//! (`HMAC_SHA_224` to `HMAC_SHA_512`); [`MacAlgorithm`] names the digest, [`mac`] computes the tag
//! and [`verify_mac`] checks one in constant time (aws-lc-rs `hmac::verify`), so a caller probing
//! VerifyMac learns nothing from how long a wrong tag takes to refuse. The key is borrowed and
//! never copied outside aws-lc-rs's own key schedule.

use aws_lc_rs::hmac;

use crate::CryptoError;

/// The digest of an HMAC (RFC 2104 with SHA-2, as FIPS 198-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacAlgorithm {
    /// HMAC-SHA-224: 28-byte tags (KMS `HMAC_SHA_224`).
    Sha224,
    /// HMAC-SHA-256: 32-byte tags (KMS `HMAC_SHA_256`).
    Sha256,
    /// HMAC-SHA-384: 48-byte tags (KMS `HMAC_SHA_384`).
    Sha384,
    /// HMAC-SHA-512: 64-byte tags (KMS `HMAC_SHA_512`).
    Sha512,
}

impl MacAlgorithm {
    /// The length of this algorithm's tags in bytes (its digest length).
    pub const fn tag_len(self) -> usize {
        match self {
            MacAlgorithm::Sha224 => 28,
            MacAlgorithm::Sha256 => 32,
            MacAlgorithm::Sha384 => 48,
            MacAlgorithm::Sha512 => 64,
        }
    }

    fn aws_lc(self) -> hmac::Algorithm {
        match self {
            MacAlgorithm::Sha224 => hmac::HMAC_SHA224,
            MacAlgorithm::Sha256 => hmac::HMAC_SHA256,
            MacAlgorithm::Sha384 => hmac::HMAC_SHA384,
            MacAlgorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// The HMAC tag of `message` under `key` with `algorithm` ([`MacAlgorithm::tag_len`] bytes).
pub fn mac(algorithm: MacAlgorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(algorithm.aws_lc(), key);
    hmac::sign(&key, message).as_ref().to_vec()
}

/// Checks that `tag` is the HMAC of `message` under `key`, comparing in constant time.
/// A wrong tag (of any length) is [`CryptoError::BadSignature`].
pub fn verify_mac(
    algorithm: MacAlgorithm,
    key: &[u8],
    message: &[u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    let key = hmac::Key::new(algorithm.aws_lc(), key);
    hmac::verify(&key, message, tag).map_err(|_| CryptoError::BadSignature)
}

#[cfg(test)]
mod tests;
