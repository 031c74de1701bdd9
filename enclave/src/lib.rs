//! The nitro-kms enclave: owns the KMS keys and answers KMS operations at its own HTTP endpoint,
//! SigV4 verified inside the enclave.
//!
//! A library, so that the binary (`main.rs`) and tests share it. The pieces, from the wire in:
//!
//! - [`server`]: the control link — accepts the parent's connections, runs the Hello, serves
//!   storage, credentials, `Sync` and `Ping` frames, and refuses KMS requests (`Request` frames);
//! - [`http`]: the enclave's own KMS HTTP endpoint (`--http-listen`), SigV4 verified here: the
//!   only way a KMS request reaches the service;
//! - [`service`]: one request in, one reply out — parse, dispatch to [`ops`], render;
//! - [`ops`]: one module per KMS operation, plus the shared key access checks; each runs against
//!   the [`context`] (identity, keystore, recipient verifier, clock, policy cache);
//! - [`policy`]: key policies, their evaluation and the cache of parsed ones;
//!   [`recipient`]: attested recipients;
//! - [`keystore`]: keys and aliases in memory; [`ciphertext_blob`]: the ciphertext format;
//! - [`storage`]: the keystore made durable through the parent ([`storage::parent_link`]) in the
//!   sealed format of [`storage::seal`] ([`storage::sealed_store`]), under the key from
//!   [`storage::sealing_key`] (simulation) or [`storage::seal_root`] (AWS KMS releases it to this
//!   image only); [`storage::read_replica`]: following another enclave's writes when the parent
//!   says so (`Sync`);
//! - [`replica_forward`]: a read replica forwarding the mutations its HTTP clients send it to the
//!   leader through the parent, authenticated with a key derived from the sealing key, and
//!   catching up before it answers (read-your-writes);
//! - [`tls`]: the service's attested TLS identity (issue 16) — the CA and provisioning keys kept
//!   in the sealed keystore, the leaf certificate carrying an attestation document, the rustls
//!   configuration and the `/.well-known/nitro-kms/` answers;
//! - [`sealed_credentials`]: caller credentials sealed to the provisioning key, delivered by the
//!   parent, stored in the sealed keystore and put in force at the HTTP endpoint;
//! - [`deletion`]: keys past their deletion window; [`rotation_schedule`]: automatic key
//!   rotation when due; [`config`]: flags, environment, TOML;
//!   [`clock`]: injectable time.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod ciphertext_blob;
pub mod clock;
pub mod config;
pub mod context;
pub mod deletion;
pub mod due_keys;
pub mod housekeeping;
pub mod http;
pub mod import_expiry;
pub mod key_usage;
pub mod key_usage_flush;
pub mod keystore;
pub mod ops;
pub mod policy;
pub mod recipient;
pub mod region_allowlist;
pub mod regions;
pub mod replica_forward;
pub mod rotation_schedule;
pub mod sealed_credentials;
pub mod server;
pub mod service;
pub mod storage;
pub mod tls;

#[cfg(test)]
pub(crate) mod test_support;
