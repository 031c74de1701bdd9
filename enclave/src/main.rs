//! `nitro-kms-enclave`: the enclave binary that owns the KMS keys.
//!
//! This release carries only the foundation the enclave is built on (`nitro-kms-common`: crypto,
//! NSM, attestation, recipient envelopes, frames, KMS shapes). The key service itself — listener,
//! operations, policies, sealed keystore — is the next milestone; until it lands this binary says
//! so plainly and exits with status 2 rather than pretending to serve.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;

/// Command-line arguments of the enclave binary.
#[derive(Parser, Debug)]
#[command(
    name = "nitro-kms-enclave",
    version,
    about = "nitro-kms enclave key service"
)]
struct Args {
    /// Where to listen: `vsock://ANY:5000` on Nitro, `unix:///path` in simulation.
    #[arg(long)]
    listen: Option<String>,
    /// Use the simulated NSM instead of /dev/nsm.
    #[arg(long)]
    simulate: bool,
    /// The simulated world's state directory (with --simulate).
    #[arg(long)]
    state_dir: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    let _args = Args::parse();
    eprintln!(
        "nitro-kms-enclave: the key service is not implemented in this release \
         (it is the next milestone); nothing is listening"
    );
    std::process::ExitCode::from(2)
}
