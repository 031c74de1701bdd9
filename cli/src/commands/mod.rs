//! One module per top-level subcommand.

pub mod attestation;
pub mod bench;
pub mod credentials;
pub mod kms;
pub mod recipient;
pub mod service;
