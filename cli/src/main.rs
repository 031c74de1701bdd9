//! `nitro-kms`: the command line of nitro-kms.
//!
//! It mirrors `aws kms` for the KMS operations of the design (`nitro-kms generate-data-key
//! --key-id alias/app --key-spec AES_256 --endpoint-url ...`, see [`commands::kms`]), with
//! `--recipient nsm|simulated:DIR` for attested calls, and carries the tools an enclave developer
//! needs around attestation and recipient envelopes:
//!
//! - `nitro-kms attestation verify FILE` — verify a Nitro attestation document against the pinned
//!   AWS root (or an explicitly trusted simulated root) and print it as JSON;
//! - `nitro-kms attestation simulate --state-dir DIR --out FILE` — have the simulated NSM of DIR
//!   sign a document; `nitro-kms attestation simulated-root --state-dir DIR` prints its root;
//! - `nitro-kms recipient inspect|decrypt|encrypt` — KMS `CiphertextForRecipient` envelopes;
//! - `nitro-kms --help` lists the KMS operations too, and `nitro-kms <op> help` (or `--help`)
//!   shows an operation's options, as `aws kms <op> help`;
//! - `nitro-kms service verify --endpoint-url URL ... --ca-out FILE` — verify a nitro-kms
//!   service's attested identity and write its CA for `--ca-bundle`.
//!
//! Exit codes follow the AWS CLI v2 where it has one: 0 success, 252 usage error (always one line,
//! `nitro-kms: error: ...`, before anything is sent), 254 an error the service answered, 255 other
//! failure (a connection refused too); a failed verification or decryption exits 1 with one line
//! naming what failed. A closed pipe on standard output (`nitro-kms list-keys | head -c1`) is a
//! normal end: status 0, no message.
//!
//! The layout:
//!
//! - `commands/`: one module per subcommand — `kms/` (the model-driven KMS subcommands: arguments,
//!   settings, the call), `attestation.rs`, `recipient.rs`, `service/` (`service verify`),
//!   `bench.rs`;
//! - `model.rs`: the embedded KMS service model the KMS subcommands are derived from;
//! - `input.rs`: reading files and base64 arguments; `error.rs`: [`error::CliError`] and exit codes;
//! - `output.rs`: the one writer to standard output (every result is printed through it, JSON
//!   included), with `text.rs` and `table.rs` rendering `--output text` and `--output table`.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod commands;
mod error;
mod input;
mod model;
mod output;
mod table;
mod text;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::CliError;

/// nitro-kms command line.
#[derive(Parser, Debug)]
#[command(
    name = "nitro-kms",
    version,
    about = "nitro-kms: attested KMS tools for Nitro enclaves"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Verify, simulate and inspect Nitro attestation documents.
    #[command(subcommand)]
    Attestation(commands::attestation::AttestationCommand),
    /// Inspect, decrypt and create KMS `CiphertextForRecipient` envelopes (CMS).
    #[command(subcommand)]
    Recipient(commands::recipient::RecipientCommand),
    /// Verify a nitro-kms service's attested identity (and write its CA for `--ca-bundle`).
    #[command(subcommand)]
    Service(commands::service::ServiceCommand),
    /// Seal caller credentials to a verified service's provisioning key.
    #[command(subcommand)]
    Credentials(commands::credentials::CredentialsCommand),
    /// Drive a KMS endpoint with concurrent requests and report throughput and latency.
    Bench(Box<commands::bench::BenchArgs>),
}

fn main() -> ExitCode {
    // The KMS subcommands (`nitro-kms generate-data-key ...`) are model-driven, like the AWS CLI's.
    let argv: Vec<String> = std::env::args().collect();
    // `nitro-kms help generate-data-key` is `nitro-kms generate-data-key help`.
    let help_args = ["help".to_owned()];
    let (op_name, op_args) = match argv.get(1).map(String::as_str) {
        Some("help") => (argv.get(2), &help_args[..]),
        _ => (argv.get(1), argv.get(2..).unwrap_or_default()),
    };
    if let Some(op) = op_name.and_then(|name| commands::kms::operation(name)) {
        use commands::kms::KmsOutcome;
        return match commands::kms::run(op, op_args) {
            KmsOutcome::Done => ExitCode::SUCCESS,
            KmsOutcome::Usage(m) => usage_error(&m),
            // The AWS CLI's form: an empty line, then the message.
            KmsOutcome::Service(m) => {
                eprintln!("\n{m}");
                ExitCode::from(error::SERVICE_EXIT)
            }
            KmsOutcome::Other(m) => {
                eprintln!("\n{m}");
                ExitCode::from(error::OTHER_EXIT)
            }
        };
    }
    if let Some(message) = op_name.and_then(|name| commands::kms::not_served(name)) {
        return usage_error(&message);
    }
    // The KMS operations are not clap subcommands: `--help` (and `help`) lists them after clap's.
    let parsed = Cli::command()
        .after_help(commands::kms::operation_list())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors. `nitro-kms` alone prints the help, as a usage
            // error; every other usage error is one line (252, as the AWS CLI).
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return ExitCode::from(error::USAGE_EXIT);
            }
            return usage_error(&error::clap_usage_line(&e.to_string()));
        }
    };
    let result = match cli.command {
        Command::Attestation(cmd) => commands::attestation::run(cmd),
        Command::Recipient(cmd) => commands::recipient::run(cmd),
        Command::Service(cmd) => commands::service::run(cmd),
        Command::Credentials(cmd) => commands::credentials::run(cmd),
        Command::Bench(args) => commands::bench::run(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(m)) => usage_error(&m),
        Err(e) => {
            eprintln!("nitro-kms: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Prints a usage error as its one line and answers 252: nothing was sent.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("nitro-kms: error: {}", error::one_line(message));
    ExitCode::from(error::USAGE_EXIT)
}
