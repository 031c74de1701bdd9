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
//! [`build()`] reproduces that byte layout exactly (a test compares it with a real KMS response
//! outside the random fields). [`parse()`] is more liberal in *encoding* — any mix of definite and
//! indefinite lengths, primitive or chunked strings, SHA-256 `AlgorithmIdentifier`s with or
//! without NULL parameters, as OpenSSL writes them — and strict in *content*: one recipient,
//! identified by subject key identifier, RSAES-OAEP with SHA-256 and AES-256-CBC, nothing else.
//!
//! # Safety of the parser
//!
//! The input comes from the untrusted parent instance. [`parse()`] refuses anything larger than
//! [`MAX_ENVELOPE_LEN`] before reading it, bounds nesting, never indexes without a check, and
//! reports every problem as a typed [`RecipientError`]. It reads BER with a small reader of its
//! own (`recipient/ber/`, whose docs say why not `der` 0.8: it refuses some legal BER forms).
//!
//! # No decryption oracle
//!
//! Whether the RSA-OAEP step, the content key length, or the CBC padding fails, decryption returns
//! the one detail-free [`RecipientError::Decrypt`]. And if RSA-OAEP fails, decryption carries on
//! with a random content key (the "random filling" countermeasure of RFC 3218, which OpenSSL's CMS
//! also uses), so a failure takes the same path, and about the same time, wherever it happens.
//!
//! # Layout
//!
//! - `schema.rs`: the limits ([`MAX_ENVELOPE_LEN`], …), OIDs and versions of the one shape;
//! - `error.rs`: [`RecipientError`];
//! - `envelope.rs`: [`RecipientEnvelope`], the fields decryption needs, and
//!   [`subject_key_identifier`];
//! - `build.rs`: [`build()`], what our KMS answers; `parse.rs`: [`parse()`], the strict reader;
//! - `decrypt.rs`: [`decrypt()`] and [`RecipientEnvelope::decrypt`], without an oracle;
//! - `ber/`: the bounded BER reader and the DER/BER writer both use.

mod ber;
mod build;
mod decrypt;
mod envelope;
mod error;
mod parse;
mod schema;

#[cfg(test)]
mod openssl_interop;
#[cfg(test)]
mod vectors;

pub use build::build;
pub use decrypt::decrypt;
pub use envelope::{RecipientEnvelope, subject_key_identifier};
pub use error::RecipientError;
pub use parse::parse;
pub use schema::{IV_LEN, MAX_ENVELOPE_LEN, MIN_RECIPIENT_KEY_BITS, SUBJECT_KEY_IDENTIFIER_LEN};
