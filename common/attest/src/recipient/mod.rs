//! KMS `CiphertextForRecipient` envelopes: CMS EnvelopedData for one RSA recipient.
//!
//! When an enclave calls AWS KMS (`Decrypt`, `GenerateDataKey`, `GenerateRandom`, …) with a
//! `Recipient` attestation document holding an RSA public key, KMS does not return the plaintext:
//! it returns `CiphertextForRecipient`, a BER-encoded CMS (RFC 5652) `ContentInfo` that only the
//! holder of the matching private key, i.e. the attested enclave, can open. This module builds
//! such envelopes (what our enclave-side KMS emits), parses them and decrypts them.
//!
//! # The format, as AWS KMS emits it
//!
//! ```text
//! ContentInfo ::= SEQUENCE {                          -- indefinite length
//!   contentType  id-envelopedData (1.2.840.113549.1.7.3),
//!   content [0] EXPLICIT EnvelopedData }              -- indefinite length
//! EnvelopedData ::= SEQUENCE {                        -- indefinite length
//!   version 2,                                        -- no originatorInfo
//!   recipientInfos SET OF { KeyTransRecipientInfo },  -- exactly one; DER inside (definite)
//!   encryptedContentInfo,                             -- indefinite length
//!   }                                                 -- no unprotectedAttrs
//! KeyTransRecipientInfo ::= SEQUENCE {
//!   version 2,
//!   rid [0] IMPLICIT SubjectKeyIdentifier,            -- SHA-256 of the recipient's DER SPKI
//!   keyEncryptionAlgorithm {
//!     id-RSAES-OAEP, RSAES-OAEP-params {
//!       [0] sha256 with NULL parameters,
//!       [1] mgf1 { sha256 with NULL parameters } } }, -- pSourceFunc: default (empty label)
//!   encryptedKey OCTET STRING }                       -- RSA-OAEP(AES-256 key)
//! EncryptedContentInfo ::= SEQUENCE {
//!   contentType id-data,
//!   contentEncryptionAlgorithm { aes256-CBC, iv OCTET STRING (16) },
//!   encryptedContent [0] IMPLICIT OCTET STRING }      -- constructed, indefinite, one chunk
//! ```
//!
//! [`build`] reproduces that byte layout exactly (a test compares it with a real KMS response
//! outside the random fields). [`parse`] is more liberal in *encoding* — any mix of definite and
//! indefinite lengths, primitive or chunked strings, SHA-256 `AlgorithmIdentifier`s with or
//! without NULL parameters, as OpenSSL writes them — and strict in *content*: one recipient,
//! identified by subject key identifier, RSAES-OAEP with SHA-256 and AES-256-CBC, nothing else.
//!
//! # Safety of the parser
//!
//! The input comes from the untrusted parent instance. [`parse`] refuses anything larger than
//! [`MAX_ENVELOPE_LEN`] before reading it, bounds nesting, never indexes without a check, and
//! reports every problem as a typed [`RecipientError`]. It reads BER with a small reader of its
//! own (`recipient/ber.rs`, whose docs say why not `der` 0.8: it refuses some legal BER forms).
//!
//! # No decryption oracle
//!
//! Whether the RSA-OAEP step, the content key length, or the CBC padding fails, decryption
//! returns the one detail-free [`RecipientError::Decrypt`]. And if RSA-OAEP fails, decryption
//! carries on with a random content key (the "random filling" countermeasure of RFC 3218, which
//! OpenSSL's CMS also uses), so a failure takes the same path, and about the same time, wherever it happens.

mod ber;
mod build;
mod parse;

#[cfg(test)]
mod openssl_interop;

use const_oid::{
    ObjectIdentifier, ObjectIdentifierRef,
    db::{DB, rfc5911, rfc5912},
};

pub use build::build;
pub use parse::parse;

use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{self as crypto, CryptoError};

/// Largest envelope [`parse`] reads, and [`build`] writes. A KMS response carries at most a
/// 4096-byte plaintext (`Decrypt`) plus an RSA-4096 encrypted key and ~200 bytes of structure,
/// so 64 KiB is generous while keeping the work on hostile input small.
pub const MAX_ENVELOPE_LEN: usize = 64 * 1024;

/// Smallest RSA modulus [`build`] will encrypt to, in bits. Smaller RSA keys are below 112-bit
/// security (NIST SP 800-57), and the crypto provider refuses them anyway.
pub const MIN_RECIPIENT_KEY_BITS: usize = 2048;

/// Length of the subject key identifier KMS puts in `rid`: a SHA-256 digest.
pub const SUBJECT_KEY_IDENTIFIER_LEN: usize = crypto::SHA256_LEN;

/// Length of the AES-256-CBC initialisation vector in the envelope.
pub const IV_LEN: usize = crypto::CBC_IV_LEN;

// OIDs of the only algorithms and content types an envelope may use.
const ID_ENVELOPED_DATA: ObjectIdentifier = rfc5911::ID_ENVELOPED_DATA;
const ID_DATA: ObjectIdentifier = rfc5911::ID_DATA;
const ID_AES_256_CBC: ObjectIdentifier = rfc5911::ID_AES_256_CBC;
const ID_RSAES_OAEP: ObjectIdentifier = rfc5912::ID_RSAES_OAEP;
const ID_MGF_1: ObjectIdentifier = rfc5912::ID_MGF_1;
const ID_SHA_256: ObjectIdentifier = rfc5912::ID_SHA_256;
const ID_P_SPECIFIED: ObjectIdentifier = rfc5912::ID_P_SPECIFIED;

/// Versions RFC 5652 prescribes for this shape: EnvelopedData is version 2 because its
/// RecipientInfo is not version 0, and KeyTransRecipientInfo is version 2 because `rid` is a
/// subject key identifier (§6.1, §6.2.1).
const ENVELOPED_DATA_VERSION: u8 = 2;
const KEY_TRANS_RECIPIENT_INFO_VERSION: u8 = 2;

/// Everything that can go wrong building, parsing or decrypting an envelope.
///
/// Parse errors say exactly what is wrong and where (they describe public, attacker-supplied
/// bytes); the one decryption error says nothing (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientError {
    /// The input is larger than [`MAX_ENVELOPE_LEN`]; nothing of it was read.
    #[error("envelope of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the input (or of the envelope that would have been built).
        len: usize,
        /// The limit, [`MAX_ENVELOPE_LEN`].
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
    /// [`build`] was given a recipient key that is not a parsable RSA `SubjectPublicKeyInfo`.
    #[error("recipient public key is not a valid RSA SubjectPublicKeyInfo")]
    InvalidRecipientKey,
    /// [`build`] was given an RSA key smaller than [`MIN_RECIPIENT_KEY_BITS`].
    #[error("recipient RSA key has {bits} bits, at least {min} are required")]
    RecipientKeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The minimum, [`MIN_RECIPIENT_KEY_BITS`].
        min: usize,
    },
    /// A cryptographic primitive failed while building (e.g. the random generator).
    #[error("cryptographic failure while building an envelope")]
    Build(#[source] CryptoError),
}

/// The fields of a parsed envelope that decryption needs. Everything else in the envelope is
/// fixed and has been checked by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientEnvelope {
    /// `rid`: which key the envelope is for. KMS uses SHA-256 of the recipient's DER SPKI, see
    /// [`subject_key_identifier`].
    pub subject_key_identifier: Vec<u8>,
    /// `encryptedKey`: the AES-256 content key, RSAES-OAEP-encrypted to the recipient.
    pub encrypted_key: Vec<u8>,
    /// The AES-256-CBC initialisation vector.
    pub iv: [u8; IV_LEN],
    /// `encryptedContent`: the plaintext under AES-256-CBC with PKCS#7 padding (chunks joined).
    pub ciphertext: Vec<u8>,
}

/// The subject key identifier KMS puts in an envelope for a recipient: SHA-256 of its DER
/// `SubjectPublicKeyInfo` (the `public_key` of the attestation document).
pub fn subject_key_identifier(spki_der: &[u8]) -> [u8; SUBJECT_KEY_IDENTIFIER_LEN] {
    crypto::sha256(spki_der)
}

impl RecipientEnvelope {
    /// Whether this envelope's `rid` names `key`. A cheap pre-check that turns "wrong key"
    /// into [`RecipientError::WrongRecipient`] instead of a failed decryption. The identifier
    /// is public, so an ordinary comparison is fine.
    pub fn is_addressed_to(&self, key: &crypto::RsaPrivateKey) -> bool {
        self.subject_key_identifier == subject_key_identifier(key.public_key_spki_der())
    }

    /// Decrypts the content with the recipient's private key: RSA-OAEP-SHA-256 unwraps the
    /// AES-256 key, which decrypts the content.
    ///
    /// Does not look at `rid`; [`decrypt`] (the function) checks it first. Every failure is
    /// [`RecipientError::Decrypt`], whatever its cause, and a failed RSA step still runs the
    /// AES step with a random key so that failures are indistinguishable (module docs).
    pub fn decrypt(&self, key: &crypto::RsaPrivateKey) -> Result<SecretBytes, RecipientError> {
        let unwrapped = key
            .decrypt_oaep_sha256(&self.encrypted_key)
            .ok()
            .filter(|cek| cek.len() == crypto::AES256_KEY_LEN);
        let genuine = unwrapped.is_some();
        let cek = match unwrapped {
            Some(cek) => cek,
            None => crypto::random_secret(crypto::AES256_KEY_LEN)
                .map_err(|_| RecipientError::Decrypt)?,
        };
        let plaintext = crypto::aes256_cbc_decrypt(cek.expose(), &self.iv, &self.ciphertext);
        match (genuine, plaintext) {
            (true, Ok(plaintext)) => Ok(plaintext),
            _ => Err(RecipientError::Decrypt),
        }
    }
}

/// Parses `ber`, checks that it is addressed to `key` (`rid` equals the subject key identifier
/// of `key`'s public key) and decrypts it. This is what an enclave calls on a KMS response.
pub fn decrypt(ber: &[u8], key: &crypto::RsaPrivateKey) -> Result<SecretBytes, RecipientError> {
    let envelope = parse(ber)?;
    if !envelope.is_addressed_to(key) {
        return Err(RecipientError::WrongRecipient);
    }
    envelope.decrypt(key)
}

/// A readable name for OID contents octets in error messages: dotted form, plus the name const-oid
/// knows, or hex if the bytes are not a valid OID.
fn describe_oid(bytes: &[u8]) -> String {
    match ObjectIdentifierRef::from_bytes(bytes) {
        Ok(oid) => {
            let name = ObjectIdentifier::from_bytes(bytes)
                .ok()
                .and_then(|o| DB.by_oid(&o));
            match name {
                Some(name) => format!("{oid} ({name})"),
                None => oid.to_string(),
            }
        }
        Err(_) => format!("invalid OID 0x{}", hex::encode(bytes)),
    }
}

/// The third-party vectors of `common/attest/tests/vectors/cms/` (attribution in its README).
#[cfg(test)]
pub(crate) mod vectors {
    /// A real AWS KMS `CiphertextForRecipient` (aws-nitro-enclaves-sdk-c, Apache-2.0).
    pub(crate) const KMS_ENVELOPE: &[u8] =
        include_bytes!("../../tests/vectors/cms/kms_cms_input_ber.bin");
    /// Its `encryptedKey`, as the SDK's test expects it.
    pub(crate) const KMS_ENCRYPTED_KEY: &[u8] =
        include_bytes!("../../tests/vectors/cms/kms_cms_encrypted_key_out.bin");
    /// Its IV.
    pub(crate) const KMS_IV: &[u8] = include_bytes!("../../tests/vectors/cms/kms_cms_iv_out.bin");
    /// Its `encryptedContent`.
    pub(crate) const KMS_CIPHERTEXT: &[u8] =
        include_bytes!("../../tests/vectors/cms/kms_cms_ciphertext_out.bin");
    /// An envelope from edgebitio/enclaver (Apache-2.0) that decrypts to `Hello, World`.
    pub(crate) const ENCLAVER_ENVELOPE: &[u8] =
        include_bytes!("../../tests/vectors/cms/enclaver_cms_hello_world.ber");
    /// Its RSA-2048 recipient key, PKCS#8 DER.
    pub(crate) const ENCLAVER_KEY: &[u8] =
        include_bytes!("../../tests/vectors/cms/enclaver_cms_hello_world_rsa2048_pkcs8.der");
}

#[cfg(test)]
mod tests {
    use super::vectors::{ENCLAVER_ENVELOPE, ENCLAVER_KEY};
    use super::*;

    fn enclaver_key() -> crypto::RsaPrivateKey {
        crypto::RsaPrivateKey::from_pkcs8_der(ENCLAVER_KEY).unwrap()
    }

    #[test]
    fn decrypt_opens_enclaver_envelope_to_hello_world() {
        let key = enclaver_key();
        let plaintext = decrypt(ENCLAVER_ENVELOPE, &key).unwrap();
        assert_eq!(plaintext.expose(), b"Hello, World");
        assert_eq!(plaintext.len(), 12);
    }

    #[test]
    fn enclaver_envelope_rid_is_sha256_of_the_key_spki() {
        let key = enclaver_key();
        let envelope = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(
            envelope.subject_key_identifier,
            crypto::sha256(key.public_key_spki_der())
        );
        assert!(envelope.is_addressed_to(&key));
    }

    #[test]
    fn subject_key_identifier_is_sha256_of_spki() {
        // FIPS 180-2 "abc": the function hashes exactly the bytes it is given.
        assert_eq!(
            hex::encode(subject_key_identifier(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn decrypt_with_a_key_that_does_not_match_rid_is_wrong_recipient() {
        let other = crypto::RsaPrivateKey::generate(crypto::RsaKeySize::Rsa2048).unwrap();
        assert_eq!(
            decrypt(ENCLAVER_ENVELOPE, &other).unwrap_err(),
            RecipientError::WrongRecipient
        );
        // Bypassing the rid check, the wrong key fails as a plain, detail-free decryption error.
        let envelope = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(
            envelope.decrypt(&other).unwrap_err(),
            RecipientError::Decrypt
        );
    }

    #[test]
    fn flipped_byte_in_encrypted_key_iv_or_ciphertext_fails_as_decrypt() {
        // CMS has no MAC: tampering is caught by OAEP (encrypted key) or by the PKCS#7 padding.
        // Each flip below lands where one of those checks must catch it.
        let key = enclaver_key();
        let good = parse(ENCLAVER_ENVELOPE).unwrap();
        assert_eq!(good.decrypt(&key).unwrap().expose(), b"Hello, World");

        for i in [0, 100, good.encrypted_key.len() - 1] {
            let mut env = good.clone();
            env.encrypted_key[i] ^= 0x01;
            assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
        }
        // `Hello, World` is one block, so IV byte 15 XORs straight into the padding byte.
        let mut env = good.clone();
        env.iv[15] ^= 0x01;
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);

        // 32 bytes encrypt to 3 blocks, the last all padding (0x10 x 16). Byte 31 of the
        // ciphertext XORs straight into the last padding byte.
        let ber = build(&[7; 32], key.public_key_spki_der()).unwrap();
        let good = parse(&ber).unwrap();
        assert_eq!(good.ciphertext.len(), 48);
        assert_eq!(good.decrypt(&key).unwrap().expose(), [7; 32]);
        let mut env = good.clone();
        env.ciphertext[31] ^= 0x01;
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
        // A ciphertext that is not whole blocks.
        let mut env = good.clone();
        env.ciphertext.truncate(40);
        assert_eq!(env.decrypt(&key).unwrap_err(), RecipientError::Decrypt);
    }

    #[test]
    fn flipped_byte_inside_the_encoded_envelope_never_yields_the_plaintext_silently() {
        // Flip every byte of the encrypted key, IV and ciphertext in the encoded envelope.
        // Encrypted-key bytes (OAEP) and the IV bytes over the padding (12..16 for a 12-byte
        // plaintext) must fail as Decrypt. Other IV bytes change plaintext bytes, and a garbled
        // ciphertext block only fails if its padding comes out invalid (CBC has no MAC), so
        // there the test demands only: an error, or never the original plaintext.
        let key = enclaver_key();
        let good = parse(ENCLAVER_ENVELOPE).unwrap();
        let find = |needle: &[u8]| {
            ENCLAVER_ENVELOPE
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let ek = find(&good.encrypted_key);
        let iv = find(&good.iv);
        let ct = find(&good.ciphertext);
        let ranges = [
            (ek..ek + good.encrypted_key.len(), true),
            (iv..iv + 12, false),
            (iv + 12..iv + IV_LEN, true),
            (ct..ct + good.ciphertext.len(), false),
        ];
        for (range, must_fail) in ranges {
            for i in range {
                let mut bytes = ENCLAVER_ENVELOPE.to_vec();
                bytes[i] ^= 0x80;
                match decrypt(&bytes, &key) {
                    Err(e) => assert_eq!(e, RecipientError::Decrypt, "byte {i}"),
                    Ok(p) => {
                        assert!(!must_fail, "byte {i}: tampering went unnoticed");
                        assert_ne!(p.expose(), b"Hello, World", "byte {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn decrypt_error_message_carries_no_detail() {
        assert_eq!(RecipientError::Decrypt.to_string(), "decryption failed");
    }

    #[test]
    fn describe_oid_names_known_oids_and_survives_garbage() {
        assert_eq!(
            describe_oid(ID_SHA_256.as_bytes()),
            "2.16.840.1.101.3.4.2.1 (id-sha256)"
        );
        assert_eq!(describe_oid(&[0xff]), "invalid OID 0xff");
    }
}
