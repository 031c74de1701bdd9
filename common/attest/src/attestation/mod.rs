//! Nitro attestation documents: build them (for the simulated NSM) and verify them.
//!
//! # Format
//!
//! A document is a `COSE_Sign1` (RFC 8152), untagged as the NSM emits it (tag 18 accepted):
//! protected header `{1: -35}` (ES384), empty unprotected header, a CBOR payload map, and a
//! 96-byte `r || s` signature by the document-signing (leaf) certificate. The payload holds
//! `module_id`, `digest` (`SHA384`), `timestamp` (ms), `pcrs` (index -> 48 bytes), `certificate`
//! (the leaf, DER), `cabundle` (root first), and optional `public_key`, `user_data`, `nonce` (each
//! may be null). One type models the payload, [`payload::Payload`]: its encoder is what [`build`]
//! signs, its parser what verification checks; [`payload`] has the exact layout and every limit.
//!
//! # Verification, in order (the first failure is the error, see [`AttestationError`])
//!
//! 1. size: at most [`MAX_DOCUMENT_LEN`] (262144, KMS's limit), before any parsing;
//! 2. COSE envelope ([`cose`]): one CBOR item, no trailing bytes, four parts, `alg` = ES384,
//!    signature 96 bytes;
//! 3. payload ([`payload`]): closed map, no duplicates, every type and size;
//! 4. chain ([`chain`]): `cabundle[0]` byte-equal to the pinned [`TrustAnchor`], then issuer
//!    names, signatures, validity at the verification time, CA flags, path lengths, key usages;
//! 5. the COSE signature, with the leaf's key, over the payload bytes **as received** (a document
//!    with an indefinite-length payload is verified over those bytes, never a re-encoding);
//! 6. freshness: no older than `max_age`, no further in the future than `max_clock_skew`.
//!
//! The AWS Nitro Enclaves Root G1 is embedded and is the default root. A simulated NSM's root is
//! trusted only when passed explicitly, and a [`VerifiedDocument`] says whether it was.

pub mod build;
pub mod cert_builder;
pub mod chain;
pub mod cose;
mod error;
pub mod payload;
mod roots;
mod verify;

pub use chain::CertificateCache;
pub use error::AttestationError;
pub use roots::{AWS_NITRO_ROOT_G1_SHA256, TrustAnchor};
pub use verify::{
    DEFAULT_MAX_AGE, DEFAULT_MAX_CLOCK_SKEW, MAX_DOCUMENT_LEN, UnverifiedDocument,
    VerifiedDocument, Verifier, VerifyOptions, parse_unverified, verify,
};
