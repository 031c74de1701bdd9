//! [`ServiceVerifyError`]: why a service's certificate or attestation document was refused — one
//! variant per check, each message naming the check, because clients print it as the reason a
//! connection was refused and `nitro-kms service verify` as its whole error output.

use std::time::Duration;

use super::extension::ExtensionError;
use crate::attestation::AttestationError;

/// A failed check of a service's identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceVerifyError {
    /// A certificate is not DER X.509 as the checks read it.
    #[error("{what} cannot be parsed: {reason}")]
    CertificateParse {
        /// Which certificate.
        what: &'static str,
        /// The decoder's reason.
        reason: String,
    },
    /// The server certificate has no attestation extension.
    #[error(
        "the server certificate carries no attestation document (extension \
         1.3.6.1.5.5.7.1.35, id-pe-cmw, missing)"
    )]
    ExtensionMissing,
    /// The attestation extension appears more than once.
    #[error("the server certificate carries the attestation extension more than once")]
    ExtensionRepeated,
    /// The attestation extension's value is not the CMW record holding a document.
    #[error("the server certificate's attestation extension is malformed: {0}")]
    ExtensionMalformed(#[from] ExtensionError),
    /// The attestation extension is marked critical (the format says non-critical, so that
    /// clients that do not know it still connect).
    #[error("the server certificate's attestation extension is marked critical")]
    ExtensionCritical,
    /// The server certificate was not valid yet at the verification time.
    #[error("the server certificate is not valid before {not_before} (unix seconds)")]
    CertificateNotYetValid {
        /// Its notBefore.
        not_before: u64,
    },
    /// The server certificate had expired at the verification time.
    #[error("the server certificate expired at {not_after} (unix seconds)")]
    CertificateExpired {
        /// Its notAfter.
        not_after: u64,
    },
    /// The server certificate does not name the host the client asked for.
    #[error("the server certificate does not name {server_name} (it names: {names})")]
    NameMismatch {
        /// The name the client connected to.
        server_name: String,
        /// The certificate's DNS and IP names, comma-separated.
        names: String,
    },
    /// The document's chain does not start at the pinned root: another root (another NSM, a
    /// simulated root where the Nitro root is expected, a forgery).
    #[error(
        "the attestation document is not from the pinned root (its chain starts at another root)"
    )]
    UntrustedRoot,
    /// The document is older than the allowed maximum age.
    #[error("the attestation document is stale: {age:?} old, over the maximum age {max:?}")]
    StaleDocument {
        /// Its age.
        age: Duration,
        /// The maximum.
        max: Duration,
    },
    /// Any other failed check of the document itself (signature, chain, format).
    #[error("the attestation document does not verify: {0}")]
    Document(AttestationError),
    /// A PCR the client pins has another value.
    #[error("PCR{index} is {actual}, expected {expected}")]
    PcrMismatch {
        /// PCR index.
        index: u8,
        /// The document's value, hex.
        actual: String,
        /// The expected value, hex.
        expected: String,
    },
    /// A PCR the client pins is not in the document.
    #[error("PCR{index} is not in the attestation document, expected {expected}")]
    PcrMissing {
        /// PCR index.
        index: u8,
        /// The expected value, hex.
        expected: String,
    },
    /// The document binds no public key, so it names no CA.
    #[error("the attestation document has no public_key (it must be the service CA's SPKI)")]
    NoPublicKey,
    /// The document's public key is not a P-384 SubjectPublicKeyInfo.
    #[error("the attestation document's public_key is not a P-384 SubjectPublicKeyInfo")]
    BadCaKey,
    /// The server certificate is not signed with ecdsa-with-SHA384 (what the CA signs with).
    #[error("the server certificate is not signed with ecdsa-with-SHA384")]
    UnsupportedSignatureAlgorithm,
    /// The server certificate's signature does not verify under the attested CA key.
    #[error(
        "the server certificate was not signed by the attested CA (public_key SHA-256 {ca_sha256})"
    )]
    NotSignedByAttestedCa {
        /// SHA-256 of the document's public_key, hex.
        ca_sha256: String,
    },
    /// A CA certificate's key is not the one the document binds.
    #[error(
        "the CA certificate's key (SHA-256 {actual}) is not the attested CA key (SHA-256 {expected})"
    )]
    CaKeyMismatch {
        /// SHA-256 of the CA certificate's SPKI, hex.
        actual: String,
        /// SHA-256 of the document's public_key, hex.
        expected: String,
    },
    /// The well-known document does not echo the client's nonce.
    #[error("the attestation document's nonce is {actual}, expected {expected}")]
    NonceMismatch {
        /// The document's nonce, hex (`none` when absent).
        actual: String,
        /// The nonce sent, hex.
        expected: String,
    },
}

impl From<AttestationError> for ServiceVerifyError {
    fn from(err: AttestationError) -> Self {
        match err {
            AttestationError::RootNotPinned => Self::UntrustedRoot,
            AttestationError::DocumentTooOld { age, max } => Self::StaleDocument { age, max },
            other => Self::Document(other),
        }
    }
}
