//! The answers of `/.well-known/nitro-kms/`, as plain functions the HTTP server calls:
//!
//! | path | content type | body |
//! |---|---|---|
//! | [`ATTESTATION_PATH`]`?nonce=HEX` | `application/cbor` | a fresh attestation document ([`attestation_document`]) |
//! | [`CA_PEM_PATH`] | `application/x-pem-file` | the CA certificate ([`ca_pem`]) |
//! | [`PROVISIONING_KEY_PATH`] | `application/pkix-spki` | the provisioning key ([`provisioning_key_der`]) |
//!
//! Unauthenticated and secret-free: the document is what the TLS leaf carries, with the caller's
//! nonce, and the other two are public keys.

use nitro_kms_attest::nsm::{Nsm, NsmError, NsmExt};

use super::certificate;
use super::identity::ServiceKeys;

/// Where a fresh attestation document is asked for (`?nonce=HEX`).
pub const ATTESTATION_PATH: &str = "/.well-known/nitro-kms/attestation";
/// Where the CA certificate is (PEM).
pub const CA_PEM_PATH: &str = "/.well-known/nitro-kms/ca.pem";
/// Where the provisioning key is (DER SubjectPublicKeyInfo).
pub const PROVISIONING_KEY_PATH: &str = "/.well-known/nitro-kms/provisioning-key.der";
/// The attestation document's content type.
pub const ATTESTATION_CONTENT_TYPE: &str = "application/cbor";
/// The CA certificate's content type.
pub const CA_PEM_CONTENT_TYPE: &str = "application/x-pem-file";
/// The provisioning key's content type (RFC 5280 §4.2.1.1's media type for an SPKI).
pub const PROVISIONING_KEY_CONTENT_TYPE: &str = "application/pkix-spki";
/// The longest nonce a caller may give, in bytes (128 hex digits).
pub const MAX_NONCE_LEN: usize = 64;

/// Why a well-known request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum WellKnownError {
    /// The nonce is longer than [`MAX_NONCE_LEN`] bytes.
    #[error("nonce of {len} bytes is longer than {max} bytes", max = MAX_NONCE_LEN)]
    NonceTooLong {
        /// Its length.
        len: usize,
    },
    /// The nonce is not hexadecimal.
    #[error("nonce is not hexadecimal")]
    NonceNotHex,
    /// The NSM did not sign a document.
    #[error("the NSM did not sign a document: {0}")]
    Nsm(#[from] NsmError),
}

impl WellKnownError {
    /// The HTTP status to answer with: 400 for the caller's mistake, 500 for the NSM's.
    pub fn status(&self) -> u16 {
        match self {
            Self::NonceTooLong { .. } | Self::NonceNotHex => 400,
            Self::Nsm(_) => 500,
        }
    }
}

/// The nonce bytes of the query value `hex` (upper or lower case), at most [`MAX_NONCE_LEN`].
pub fn parse_nonce(hex: &str) -> Result<Vec<u8>, WellKnownError> {
    if hex.len() > 2 * MAX_NONCE_LEN {
        return Err(WellKnownError::NonceTooLong { len: hex.len() / 2 });
    }
    hex::decode(hex).map_err(|_| WellKnownError::NonceNotHex)
}

/// A fresh attestation document: `public_key` = the CA's DER SubjectPublicKeyInfo, `user_data` =
/// SHA-256 of the provisioning key's, `nonce` = `nonce` (null when empty).
///
/// ```
/// # use nitro_kms_enclave::tls::well_known::{MAX_NONCE_LEN, WellKnownError};
/// # fn check(keys: &nitro_kms_enclave::tls::ServiceKeys, nsm: &dyn nitro_kms_attest::nsm::Nsm) {
/// let refused = nitro_kms_enclave::tls::well_known::attestation_document(
///     keys, nsm, &[0; MAX_NONCE_LEN + 1]);
/// assert!(matches!(refused, Err(WellKnownError::NonceTooLong { len: 65 })));
/// # }
/// ```
pub fn attestation_document(
    keys: &ServiceKeys,
    nsm: &dyn Nsm,
    nonce: &[u8],
) -> Result<Vec<u8>, WellKnownError> {
    if nonce.len() > MAX_NONCE_LEN {
        return Err(WellKnownError::NonceTooLong { len: nonce.len() });
    }
    let nonce = (!nonce.is_empty()).then_some(nonce);
    Ok(nsm.attest(
        Some(keys.ca_spki()),
        Some(keys.provisioning_digest()),
        nonce,
    )?)
}

/// The CA certificate as PEM (what `nitro-kms service verify --ca-out` writes).
pub fn ca_pem(keys: &ServiceKeys) -> String {
    certificate::pem(keys.ca_certificate())
}

/// The provisioning key's public half, DER SubjectPublicKeyInfo.
pub fn provisioning_key_der(keys: &ServiceKeys) -> Vec<u8> {
    keys.provisioning_spki().to_vec()
}
