//! The `nitro-kms service` subcommands.

use clap::Subcommand;

use super::verify::{VerifyArgs, verify};
use crate::error::CliError;

/// `nitro-kms service` subcommands.
#[derive(Subcommand, Debug)]
pub enum ServiceCommand {
    /// Verify a nitro-kms service's attested identity and write its CA (PEM) for `--ca-bundle`.
    Verify(VerifyArgs),
}

/// Runs a `service` subcommand.
pub fn run(cmd: ServiceCommand) -> Result<(), CliError> {
    match cmd {
        ServiceCommand::Verify(args) => verify(&args),
    }
}
