//! # nitro-kms-common
//!
//! Everything the enclave, the parent proxy and the CLI share. Nothing here decides policy or
//! does I/O on its own initiative: these are the building blocks.
//!
//! - [`crypto`]: the only module that calls a crypto library (aws-lc-rs).
//! - [`secret`]: zeroizing, redacted containers for key material.
//! - [`nsm`]: the Nitro Security Module API as a trait, with the real `/dev/nsm` driver and a
//!   simulated NSM for laptops and CI.
//! - [`attestation`]: Nitro attestation documents (COSE_Sign1): build (simulator) and verify
//!   against a pinned root.
//! - [`recipient`]: KMS `CiphertextForRecipient` envelopes (CMS EnvelopedData): build, parse, decrypt.
//! - [`wire`]: the length-prefixed CBOR frames between parent and enclave.
//! - [`kms`]: AWS KMS JSON shapes, their validation and AWS's error types.
//! - [`client`]: an async, SigV4-signing KMS client with kept-alive connections.
//! - [`transport`]: `vsock://`, `unix://` and `tcp://` addresses behind one type.
//! - [`http_connect`]: the HTTP CONNECT exchange through which an enclave asks the parent's
//!   egress relay for a TCP connection (to AWS KMS), both sides of it.
//! - [`sigv4`]: AWS Signature Version 4 (canonical request, signature).
//! - [`shutdown`]: SIGTERM/SIGINT and the stop flag both daemons use.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod attestation;
pub mod client;
pub mod crypto;
pub mod http_connect;
pub mod kms;
pub mod nsm;
pub mod recipient;
pub mod secret;
pub mod shutdown;
pub mod sigv4;
pub mod transport;
pub mod wire;
