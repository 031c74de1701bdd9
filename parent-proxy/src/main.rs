//! `nitro-kms-proxy`: the parent-instance daemon that speaks the AWS KMS JSON protocol.
//!
//! This release carries only the shared foundation (`nitro-kms-common`). The HTTP endpoint, SigV4
//! verification, enclave pool and the one-command simulation come in a later milestone; until
//! then this binary says so plainly and exits with status 2 rather than pretending to serve.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;

/// Command-line arguments of the proxy.
#[derive(Parser, Debug)]
#[command(
    name = "nitro-kms-proxy",
    version,
    about = "nitro-kms parent proxy (AWS KMS endpoint)"
)]
struct Args {
    /// HTTP listen address (default 127.0.0.1:9600).
    #[arg(long)]
    listen: Option<String>,
    /// The enclave's address: `vsock://CID:PORT` or `unix:///path`.
    #[arg(long)]
    enclave: Option<String>,
    /// Start the whole simulated chain (spawns nitro-kms-enclave --simulate).
    #[arg(long)]
    simulate: bool,
    /// State directory (sealed keystore; the simulated world with --simulate).
    #[arg(long)]
    state_dir: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    let _args = Args::parse();
    eprintln!(
        "nitro-kms-proxy: the KMS endpoint is not implemented in this release \
         (it is a later milestone); nothing is listening"
    );
    std::process::ExitCode::from(2)
}
