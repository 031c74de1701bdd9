//! Helpers for the end-to-end tests in `tests/tests/`: they run the real binaries.
//!
//! The binaries are found beside the test executable's profile directory (`target/debug`), so
//! `cargo build --workspace` must run before `cargo test` (`make test` does both).

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod cluster;
pub mod connect_relay;
pub mod enclave;
pub mod etcd_fleet;
pub mod etcd_store;
pub mod mitm;
pub mod proxy;
pub mod recipient;
pub mod replica_pair;
pub mod service_cli;
pub mod service_server;
pub mod tcp_relay;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace's root directory (where the root `Cargo.toml` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("tests/ has no parent directory"))
}

/// The workspace's members (`members = [...]` of the root `Cargo.toml`, as folders), so that the
/// tree rules hold a crate added later without anyone remembering to list it.
///
/// # Panics
/// If the manifest cannot be read or has no members list, or fewer than six members are found.
pub fn workspace_members() -> Vec<String> {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml"))
        .unwrap_or_else(|e| panic!("Cargo.toml: {e}"));
    let members = manifest
        .split("\nmembers = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no members list in [workspace]"));
    let crates: Vec<String> = members
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect();
    assert!(crates.len() >= 6, "found only {crates:?}");
    crates
}

/// Path of a workspace binary (`nitro-kms`, `nitro-kms-enclave`, `nitro-kms-proxy`) in the same
/// profile directory as the running test.
///
/// # Panics
/// If the binary has not been built: that is a broken test setup, said plainly.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test-binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace` first (make test does)",
        path.display()
    );
    path
}

/// A `bash scripts/NAME` command for a demo script (`demo.sh`, `cluster_demo.sh`): its first
/// argument the directory of the built binaries, `AWS_BIN` the AWS CLI of target/test-venv.
///
/// # Panics
/// If the virtualenv is missing (`make test-venv` makes it): a broken test setup.
pub fn demo_script(name: &str) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bin_dir = binary("nitro-kms")
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let aws = root.join("target/test-venv/bin/aws");
    assert!(
        aws.exists(),
        "{} is missing: make test builds it (make test-venv)",
        aws.display()
    );
    let mut command = Command::new("bash");
    command
        .arg(root.join("scripts").join(name))
        .arg(bin_dir)
        .env("AWS_BIN", aws);
    command
}

/// Runs `nitro-kms` with `args` and returns its output.
pub fn nitro_kms(args: &[&str]) -> Output {
    let out = Command::new(binary("nitro-kms")).args(args).output();
    match out {
        Ok(out) => out,
        Err(e) => panic!("cannot run nitro-kms: {e}"),
    }
}

/// The folder of test vectors made by others (`common/attest/tests/vectors`).
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../common/attest/tests/vectors")
}

/// Standard output of a successful run, as text; panics with stderr if the run failed.
pub fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "command failed with {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Files of a fresh RSA-2048 key made by OpenSSL (an enclave application's recipient key).
pub struct RsaKeyFiles {
    /// PEM private key (what `openssl cms -decrypt -inkey` takes).
    pub pem: PathBuf,
    /// PKCS#8 DER private key (what `nitro-kms recipient decrypt --key` takes).
    pub pkcs8_der: PathBuf,
    /// DER SubjectPublicKeyInfo (what goes into an attestation document).
    pub spki_der: PathBuf,
}

/// Runs `openssl` with `args`, quietly; panics if it is missing or fails.
pub fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output();
    match out {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("openssl is required by this test: {e}"),
    }
}

/// Makes an RSA-2048 key in `dir` with OpenSSL, named `name.*`.
pub fn rsa_key(dir: &Path, name: &str) -> RsaKeyFiles {
    let files = RsaKeyFiles {
        pem: dir.join(format!("{name}.pem")),
        pkcs8_der: dir.join(format!("{name}.pk8")),
        spki_der: dir.join(format!("{name}.spki.der")),
    };
    let s = |p: &Path| p.display().to_string();
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &s(&files.pem),
    ]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        &s(&files.pem),
        "-outform",
        "DER",
        "-out",
        &s(&files.pkcs8_der),
    ]);
    openssl(&[
        "pkey",
        "-in",
        &s(&files.pem),
        "-pubout",
        "-outform",
        "DER",
        "-out",
        &s(&files.spki_der),
    ]);
    files
}
