//! # nitro-kms-attest: what an enclave proves about itself, and what it receives because of it.
//!
//! - [`nsm`]: the Nitro Security Module API as a trait, with the real `/dev/nsm` driver (feature
//!   `nsm-device`) and a simulated NSM for laptops and CI;
//! - [`attestation`]: Nitro attestation documents (COSE_Sign1): build (the simulator) and verify
//!   against a pinned root;
//! - [`recipient`]: AWS KMS `CiphertextForRecipient` envelopes (CMS EnvelopedData): build, parse,
//!   decrypt.
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
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod attestation;
pub mod nsm;
pub mod recipient;
