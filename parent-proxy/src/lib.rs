//! The nitro-kms parent proxy as a library: the pieces of the parent daemon that other crates
//! (the end-to-end tests, later the simulation launcher) reuse.
//!
//! - [`state_store`]: the parent's side of the enclave's `Persist` frames — the sealed snapshot
//!   and journal files, written durably before they are acknowledged.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod state_store;
