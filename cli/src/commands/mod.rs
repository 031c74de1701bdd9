//! One module per top-level subcommand.

pub mod attestation;
pub mod recipient;
