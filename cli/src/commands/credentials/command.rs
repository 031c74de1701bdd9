//! The `nitro-kms credentials` subcommands.

use clap::Subcommand;

use super::seal::{SealArgs, seal};
use crate::error::CliError;

/// `nitro-kms credentials` subcommands.
#[derive(Subcommand, Debug)]
pub enum CredentialsCommand {
    /// Verify a nitro-kms service and seal a credentials file (TOML) to its provisioning key, so
    /// that only an enclave of the expected image can read it.
    Seal(SealArgs),
}

/// Runs a `credentials` subcommand.
pub fn run(cmd: CredentialsCommand) -> Result<(), CliError> {
    match cmd {
        CredentialsCommand::Seal(args) => seal(&args),
    }
}
