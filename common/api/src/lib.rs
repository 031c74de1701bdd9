//! # nitro-kms-api: the AWS KMS JSON 1.1 API — shapes, validation, AWS's error types, SigV4.
//!
//! The parent proxy speaks the KMS wire protocol to AWS SDKs and the CLI; the enclave answers.
//! Both need the same, exact picture of that protocol, and this module is it. Nothing here knows
//! about keys, policies or attestation: it only turns bytes into typed requests (or into the error
//! real AWS KMS would give for them) and typed responses back into bytes.
//!
//! # How a request is handled
//!
//! 1. [`Operation::from_target`] reads the `X-Amz-Target` header (`TrentService.<Operation>`).
//! 2. [`ops::KmsRequest::parse`] checks the JSON body the way AWS's Coral framework does (member
//!    types, base64 of blobs; failures are `SerializationException`s with Coral's own messages, see
//!    [`json`]), then deserializes it into the operation's request struct.
//! 3. [`validate::Validate`] checks the constraints of the service model (lengths, ranges, enums,
//!    patterns) and renders every violation in AWS's exact wording (`1 validation error detected:
//!    Value '1025' at 'numberOfBytes' failed to satisfy constraint: ...`), then the service's own
//!    cross-field rules (`Please specify either number of bytes or key spec.`).
//! 4. The caller resolves the key with [`key_id::KeyRef`] and answers with a response struct, or
//!    with a [`KmsError`] whose constructors carry the messages recorded from real AWS.
//!
//! # Layout (one file per responsibility, one per operation family)
//!
//! This file only declares the modules and re-exports their most used items; each module's own
//! documentation says what it holds.
//!
//! - [`operation`]: [`Operation`], the served operations and their `X-Amz-Target` names.
//! - [`model_operations`]: every operation of the model, and the error for one not served
//!   (`UnsupportedOperationException` or `UnknownOperationException`).
//! - [`operation_access`]: [`Access`], whether an operation changes the keystore (only the
//!   leader enclave runs it) or only reads it.
//! - [`error`]: [`KmsError`] ([`error::kms_error`]), the table of [`KmsErrorType`]s
//!   ([`error::error_type`]), the messages recorded from AWS ([`error::messages`]), `__type` JSON
//!   bodies.
//! - [`blob`]: base64 blobs ([`Blob`]), secret blobs (via [`nitro_kms_crypto::secret::SecretBytes`]) and
//!   epoch-second [`Timestamp`]s rendered the way AWS renders them.
//! - [`json`]: the shape schema ([`json::Shape`]) and Coral-style type checking of request bodies.
//! - [`validate`]: constraint checks and AWS's validation message format.
//! - [`key_id`]: key IDs, key ARNs, alias names and alias ARNs.
//! - [`types`]: what every model enum is ([`types::kms_enum`]), the enums ([`types::enums`]) and
//!   structures ([`types::structures`]) shared by several operations.
//! - [`ops`]: request and response structs per operation family.
//! - [`sigv4`]: AWS Signature Version 4: the canonical request and signature
//!   ([`sigv4::signature`](mod@sigv4::signature)), `X-Amz-Date` ([`sigv4::amz_date`]), signing a request
//!   ([`sigv4::sign`]), verifying one ([`sigv4::verify`](mod@sigv4::verify)) and the access keys a
//!   verifier accepts ([`sigv4::access_keys`]).
//! - [`http_endpoint`]: what every KMS HTTP endpoint (the proxy's, the enclave's) puts on its
//!   answers: content type, a fresh request id, error status and body, the default body limit.
//! - [`service_model`]: [`SERVICE_MODEL`], botocore's service model, the source every shape here
//!   is pinned to.
//!
//! The modules depend on each other in one direction: `error`, `blob`, `types::kms_enum` and
//! `sigv4` at the bottom, then `validate`, `json`, `types`, `ops`; nothing imports this file.
//!
//! Wire details pinned here (each one has a test): member names exactly as in botocore's model,
//! `None` members omitted, response members in ASCII order (AWS's serializer sorts them), dates as
//! Java renders doubles (`1.655753311082E9`), errors as `{"__type":..,"message":..}` with the
//! message omitted when empty (as AWS does for `InvalidCiphertextException`).
//!
//! # Where this crate sits
//!
//! The shared crates under `common/` depend on each other in one direction only:
//!
//! ```text
//! nitro-kms-crypto       <- nitro-kms-wire, nitro-kms-api, nitro-kms-attest, nitro-kms-client
//! nitro-kms-wire         <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-api          <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-attest       <- nitro-kms-client                (and the enclave, the CLI)
//! nitro-kms-client       <- the enclave (seal root), the CLI, the example
//! nitro-kms-parent-link  <- the proxy, the CLI (`bench --enclave`), the end-to-end tests
//! ```
//!
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod blob;
pub mod error;
pub mod http_endpoint;
pub mod json;
pub mod key_id;
pub mod model_operations;
pub mod operation;
pub mod operation_access;
pub mod ops;
pub mod regions;
pub mod sensitive_text;
pub mod service_model;
pub mod sigv4;
pub mod types;
pub mod validate;

#[cfg(test)]
mod model_tests;

pub use blob::{Blob, Timestamp};
pub use error::{KmsError, KmsErrorType};
pub use key_id::KeyRef;
pub use operation::{Operation, TARGET_PREFIX};
pub use operation_access::Access;
pub use ops::KmsRequest;
pub use service_model::SERVICE_MODEL;
pub use validate::Validate;
