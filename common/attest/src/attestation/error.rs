//! Why a document was rejected ([`AttestationError`]: one variant per check, so callers and tests
//! know exactly which), or could not be built ([`DocumentBuildError`]).

use std::time::Duration;

use nitro_kms_crypto::CryptoError;

/// A failed check while parsing or verifying an attestation document.
///
/// `position` counts certificates from the root: 0 is `cabundle[0]` (the pinned root), the last
/// is the leaf (`certificate`). Display texts are one short line naming the check, because the
/// CLI prints them as its whole error output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The document is larger than the limit (KMS accepts at most 262144 bytes).
    #[error("document is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Size received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a well-formed COSE_Sign1 structure.
    #[error("malformed COSE_Sign1: {0}")]
    MalformedCose(&'static str),
    /// A CBOR tag other than 18 (COSE_Sign1) wraps the document.
    #[error("unexpected CBOR tag {0} (expected none or 18)")]
    UnexpectedTag(u64),
    /// Bytes follow the CBOR item.
    #[error("trailing bytes after the CBOR item")]
    TrailingBytes,
    /// The protected header does not say ES384 (or carries critical headers we do not know).
    #[error("unsupported COSE algorithm (only ES384 is accepted)")]
    UnsupportedAlgorithm,
    /// The signature is not the 96-byte `r || s` of ES384.
    #[error("COSE signature is {0} bytes (ES384 needs 96)")]
    BadSignatureLength(usize),
    /// The payload is not a well-formed attestation map.
    #[error("malformed payload: {0}")]
    MalformedPayload(&'static str),
    /// A mandatory payload field is missing.
    #[error("payload field `{0}` is missing")]
    MissingField(&'static str),
    /// A payload field has the wrong CBOR type.
    #[error("payload field `{0}` has the wrong type")]
    WrongFieldType(&'static str),
    /// A payload key that the format does not have.
    #[error("unknown payload field `{0}`")]
    UnknownField(String),
    /// A payload key appears twice.
    #[error("payload field `{0}` appears twice")]
    DuplicateField(String),
    /// A payload field is empty or longer than the format allows.
    #[error("payload field `{field}` is {len} bytes (allowed {min}..={max})")]
    FieldLength {
        /// Field name.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Minimum allowed.
        min: usize,
        /// Maximum allowed.
        max: usize,
    },
    /// The digest is not SHA384.
    #[error("unsupported digest `{0}` (expected SHA384)")]
    UnsupportedDigest(String),
    /// The timestamp is zero.
    #[error("timestamp is zero")]
    ZeroTimestamp,
    /// A PCR index is out of range (0..=31).
    #[error("PCR index {0} is out of range")]
    BadPcrIndex(u64),
    /// A PCR value is not 48 bytes.
    #[error("PCR{index} is {len} bytes (SHA384 PCRs are 48)")]
    BadPcrLength {
        /// PCR index.
        index: u16,
        /// Its length.
        len: usize,
    },
    /// The PCR map is empty or has more than 32 entries.
    #[error("{0} PCRs (allowed 1..=32)")]
    PcrCount(usize),
    /// The cabundle is empty.
    #[error("cabundle is empty")]
    EmptyCabundle,
    /// The cabundle is longer than any real chain.
    #[error("cabundle has {0} certificates, too many")]
    CabundleTooLong(usize),
    /// `cabundle[0]` is not the pinned root.
    #[error("certificate chain does not start at the pinned root")]
    RootNotPinned,
    /// A certificate is not valid DER X.509.
    #[error("certificate {position} cannot be parsed")]
    CertificateParse {
        /// Position in the chain (0 = root).
        position: usize,
    },
    /// A certificate uses an algorithm other than ecdsa-with-SHA384 / P-384.
    #[error("certificate {position} is not an ECDSA P-384/SHA-384 certificate")]
    UnsupportedCertificateAlgorithm {
        /// Position in the chain.
        position: usize,
    },
    /// A certificate's issuer is not the subject of the certificate above it.
    #[error(
        "certificate {position} was not issued by the certificate above it (issuer name mismatch)"
    )]
    IssuerMismatch {
        /// Position in the chain.
        position: usize,
    },
    /// A certificate's signature does not verify with its issuer's key.
    #[error("certificate {position} has an invalid signature")]
    CertificateSignatureInvalid {
        /// Position in the chain.
        position: usize,
    },
    /// A certificate had expired at the verification time.
    #[error("certificate {position} expired at {not_after} (unix seconds)")]
    CertificateExpired {
        /// Position in the chain.
        position: usize,
        /// Its notAfter.
        not_after: u64,
    },
    /// A certificate was not yet valid at the verification time.
    #[error("certificate {position} is not valid before {not_before} (unix seconds)")]
    CertificateNotYetValid {
        /// Position in the chain.
        position: usize,
        /// Its notBefore.
        not_before: u64,
    },
    /// A certificate that signs others is not a CA (BasicConstraints CA:TRUE missing).
    #[error("certificate {position} issues certificates but is not a CA")]
    NotACa {
        /// Position in the chain.
        position: usize,
    },
    /// A CA's path length constraint is exceeded by the chain below it.
    #[error("certificate {position}'s path length constraint is exceeded")]
    PathLenExceeded {
        /// Position in the chain.
        position: usize,
    },
    /// The document-signing certificate claims to be a CA.
    #[error("the document-signing certificate is a CA")]
    LeafIsCa,
    /// A certificate lacks the key usage its role needs (keyCertSign for CAs, digitalSignature
    /// for the leaf).
    #[error("certificate {position} lacks the required key usage")]
    MissingKeyUsage {
        /// Position in the chain.
        position: usize,
    },
    /// A certificate extension cannot be decoded, or appears twice.
    #[error("certificate {position} has a malformed extension")]
    MalformedExtension {
        /// Position in the chain.
        position: usize,
    },
    /// A certificate carries a critical extension this verifier does not understand.
    #[error("certificate {position} has an unknown critical extension")]
    UnknownCriticalExtension {
        /// Position in the chain.
        position: usize,
    },
    /// The COSE signature does not verify with the leaf's key.
    #[error("document signature is invalid")]
    DocumentSignatureInvalid,
    /// The document is older than the allowed maximum age.
    #[error("document is {age:?} old, over the maximum age {max:?}")]
    DocumentTooOld {
        /// Its age at the verification time.
        age: Duration,
        /// The maximum.
        max: Duration,
    },
    /// The document's timestamp is further in the future than the allowed clock skew.
    #[error("document timestamp is {ahead:?} in the future, over the allowed skew {max:?}")]
    DocumentFromFuture {
        /// How far ahead.
        ahead: Duration,
        /// The allowed skew.
        max: Duration,
    },
    /// The trust anchor given by the caller is not usable.
    #[error("invalid trust anchor: {0}")]
    InvalidTrustAnchor(String),
}

/// Why a document could not be built (by [`super::build`] or [`super::payload::Payload::encode`]).
#[derive(Debug, thiserror::Error)]
pub enum DocumentBuildError {
    /// CBOR serialisation failed.
    #[error("CBOR encoding failed: {0}")]
    Cbor(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Crypto(#[from] CryptoError),
}
