//! The nitro-kms enclave: owns the KMS keys and answers KMS operations over the frame protocol.
//!
//! A library, so that the binary (`main.rs`) and tests share it. The pieces, from the wire in:
//!
//! - [`server`]: accepts the parent's connections, runs the Hello, multiplexes requests;
//! - [`service`]: one request in, one reply out — parse, dispatch to [`ops`], render;
//! - [`ops`]: one module per KMS operation, plus the shared key access checks;
//! - [`policy`]: key policies and their evaluation; [`recipient`]: attested recipients;
//! - [`keystore`]: keys and aliases in memory; [`blob`]: the ciphertext format;
//! - [`sealed_store`]: the keystore made durable through the parent ([`parent_link`]) in the
//!   sealed format of [`seal`], under the key from [`sealing_key`] (simulation) or [`seal_root`]
//!   (AWS KMS releases it to this image only);
//! - [`read_replica`]: following another enclave's writes when the parent says so (`Sync`);
//! - [`deletion`]: keys past their deletion window; [`config`]: flags, environment, TOML;
//!   [`clock`]: injectable time.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod blob;
pub mod clock;
pub mod config;
pub mod deletion;
pub mod keystore;
pub mod ops;
pub mod parent_link;
pub mod policy;
pub mod policy_cache;
pub mod read_replica;
pub mod recipient;
pub mod seal;
pub mod seal_root;
pub mod sealed_store;
pub mod sealing_key;
pub mod server;
pub mod service;

#[cfg(test)]
pub(crate) mod test_support;
