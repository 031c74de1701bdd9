//! `nitro-kms credentials …`: caller credentials the parent cannot read (issue 16).
//!
//! - `command.rs`: the subcommands ([`CredentialsCommand`]) and [`run`];
//! - `seal.rs`: `credentials seal`, which verifies the service as `service verify` does and
//!   encrypts a credentials file to its attested provisioning key
//!   (`docs/sealed-credentials.md`).

mod command;
mod seal;

pub use command::{CredentialsCommand, run};
