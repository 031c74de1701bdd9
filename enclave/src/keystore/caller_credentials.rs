//! The caller credentials in force, kept in the sealed keystore as the operator sealed them
//! (issue 16, `docs/sealed-credentials.md`).
//!
//! Stored by [`super::Mutation::ReplaceCallerCredentials`] once the enclave opened the file and
//! parsed its access keys, and loaded with the rest of the sealed state: so the access keys
//! survive restarts and read replicas (which load the same state) verify the same ones. The file
//! stays as it was sealed (to the provisioning key, itself in this state): the enclave opens it
//! again at start-up. Its `serial` only grows: a file not newer than the stored one is refused, so
//! a parent that replays an older file cannot roll the access keys back.

use serde::{Deserialize, Serialize};

/// The sealed caller-credentials file in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerCredentials {
    /// The file's serial (its header's): the next file must have a larger one.
    pub serial: u64,
    /// The sealed file, exactly as received (ciphertext: nothing secret without the
    /// provisioning key).
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
}
