//! What can go wrong building, parsing or decrypting an envelope.

use nitro_kms_crypto::CryptoError;

/// Everything that can go wrong building, parsing or decrypting an envelope.
///
/// Parse errors say exactly what is wrong and where (they describe public, attacker-supplied
/// bytes); the one decryption error says nothing (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientError {
    /// The input is larger than [`MAX_ENVELOPE_LEN`](super::MAX_ENVELOPE_LEN); nothing of it was
    /// read.
    #[error("envelope of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the input (or of the envelope that would have been built).
        len: usize,
        /// The limit, [`MAX_ENVELOPE_LEN`](super::MAX_ENVELOPE_LEN).
        max: usize,
    },
    /// The input ends before the envelope does.
    #[error("envelope is truncated: {what} at offset {offset} needs more bytes")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Offset in the input where more bytes were needed.
        offset: usize,
    },
    /// The bytes are not a well-formed envelope (bad tag, length, encoding or trailing data).
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// Constructed elements nest deeper than the parser allows.
    #[error("envelope nests constructed elements deeper than {max} levels")]
    NestingTooDeep {
        /// The limit.
        max: usize,
    },
    /// A content type is not the one this envelope must have.
    #[error("{structure} has content type {found}, expected {expected}")]
    UnexpectedContentType {
        /// Which structure's content type.
        structure: &'static str,
        /// The content type required there.
        expected: &'static str,
        /// The content type found (dotted OID, with its name when known).
        found: String,
    },
    /// A structure has a version other than the one KMS uses.
    #[error("{structure} has version {found}, expected {expected}")]
    UnexpectedVersion {
        /// Which structure's version.
        structure: &'static str,
        /// The version required.
        expected: i64,
        /// The version found.
        found: i64,
    },
    /// The key encryption algorithm is not RSAES-OAEP with SHA-256, MGF1-SHA-256, empty label.
    #[error("unsupported key encryption algorithm: {0}")]
    UnsupportedKeyEncryptionAlgorithm(String),
    /// The content encryption algorithm is not AES-256-CBC.
    #[error("unsupported content encryption algorithm: {0}")]
    UnsupportedContentEncryptionAlgorithm(String),
    /// A legal CMS feature that KMS never uses and we do not accept (e.g. several recipients,
    /// `issuerAndSerialNumber`, `originatorInfo`, detached content).
    #[error("unsupported CMS feature: {0}")]
    Unsupported(&'static str),
    /// The envelope's recipient identifier is not the subject key identifier of the key offered.
    #[error("envelope is addressed to another key (recipient identifier mismatch)")]
    WrongRecipient,
    /// Decryption failed. Deliberately says neither where nor why (no padding or OAEP oracle).
    #[error("decryption failed")]
    Decrypt,
    /// [`build`](super::build()) was given a recipient key that is not a parsable RSA
    /// `SubjectPublicKeyInfo`.
    #[error("recipient public key is not a valid RSA SubjectPublicKeyInfo")]
    InvalidRecipientKey,
    /// [`build`](super::build()) was given an RSA key smaller than
    /// [`MIN_RECIPIENT_KEY_BITS`](super::MIN_RECIPIENT_KEY_BITS).
    #[error("recipient RSA key has {bits} bits, at least {min} are required")]
    RecipientKeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The minimum, [`MIN_RECIPIENT_KEY_BITS`](super::MIN_RECIPIENT_KEY_BITS).
        min: usize,
    },
    /// A cryptographic primitive failed while building (e.g. the random generator).
    #[error("cryptographic failure while building an envelope")]
    Build(#[source] CryptoError),
}
