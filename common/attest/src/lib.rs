//! # nitro-kms-attest: what an enclave proves about itself, and what it receives because of it.
//!
//! - [`nsm`]: the Nitro Security Module API as a trait, with the real `/dev/nsm` driver (feature
//!   `nsm-device`) and a simulated NSM for laptops and CI;
//! - [`attestation`]: Nitro attestation documents (COSE_Sign1): build (the simulator) and verify
//!   against a pinned root;
//! - [`recipient`]: AWS KMS `CiphertextForRecipient` envelopes (CMS EnvelopedData): build, parse,
//!   decrypt;
//! - [`service`]: the attestation extension of a service's TLS certificate (its OID, finding it).
//!
//! They share a crate because they are one exchange: an NSM signs a document carrying a public
//! key, a KMS verifies it and answers with an envelope to that key, the enclave opens it. The
//! parent proxy takes part in none of it, so it does not link this crate.
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
//! # Layout
//!
//! Each parent module (`mod.rs`) declares, re-exports and documents; shared types such as errors
//! live in their own named files, so no two modules import each other.
//!
//! ```text
//! nsm/mod.rs               the Nsm trait, NsmExt, NsmError, the device's limits
//! nsm/device.rs            /dev/nsm (feature nsm-device)
//! nsm/simulated/           SimulatedNsm: mod.rs (requests), pcrs.rs (PCR bank), state.rs (chain)
//! attestation/payload.rs   Payload: the one model of a document's fields, its encoder and parser
//! attestation/build.rs     signing an encoded payload as a COSE_Sign1 (the simulator's side)
//! attestation/cose.rs      reading the COSE_Sign1 envelope as received
//! attestation/chain.rs     the certificate chain checks, CertificateCache
//! attestation/cert_builder.rs  minting P-384 certificates (simulator, tests)
//! attestation/roots.rs     TrustAnchor, the embedded AWS Nitro root
//! attestation/verify.rs    the checks in order, Verifier and its caches
//! attestation/error.rs     AttestationError, DocumentBuildError
//! recipient/schema.rs      the envelope's limits, OIDs and versions
//! recipient/error.rs       RecipientError
//! recipient/envelope.rs    RecipientEnvelope, subject_key_identifier
//! recipient/build.rs       build: what our KMS answers
//! recipient/parse.rs       parse: the strict reader of KMS and OpenSSL envelopes
//! recipient/decrypt.rs     decrypt, without an oracle
//! recipient/ber/           the bounded BER reader (reader.rs), the writer (writer.rs), tags
//! service/mod.rs           the attestation extension's OID (id-pe-cmw)
//! service/extension.rs     the extension: the CMW around the document, written and read
//! service/certificate.rs   ServiceCertificate: the one certificate reader (x509-cert)
//! service/verify.rs        the service checks; trust.rs, pem.rs, error.rs beside it
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod attestation;
pub mod nsm;
pub mod recipient;
pub mod service;
