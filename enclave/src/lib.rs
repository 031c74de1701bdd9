//! The nitro-kms enclave's building blocks, as a library so that the binary (`main.rs`) and the
//! whole-process tests in `tests/` share them.
//!
//! Modules arrive with the enclave key service milestone: ciphertext blobs, key policies and the
//! sealed keystore first, then the listener and one handler per KMS operation.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod blob;
pub mod keystore;
pub mod policy;
pub mod seal;
