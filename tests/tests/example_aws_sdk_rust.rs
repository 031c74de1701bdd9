#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test
//! Issue 17: `examples/aws-sdk-rust`, an enclave application on the official AWS SDK for Rust,
//! against a fresh simulation over TLS. `nitro-kms service verify --ca-out` writes the attested
//! CA; the example, configured only by the environment (`AWS_ENDPOINT_URL=https://...`,
//! credentials, `AWS_REGION`, `AWS_CA_BUNDLE`), sends GenerateDataKey and Decrypt with a
//! `Recipient` from our attest crate and opens both `CiphertextForRecipient`s to the same key.
//!
//! The example is its own cargo workspace (the SDK's crates stay out of the main build), and its
//! cold build takes longer than `make test` should grow, so this test runs only with
//! `NITRO_KMS_RUN_SDK_EXAMPLE=1`: `make example` builds the binary and then runs it so, and
//! `.ci/run` runs `make example` after `make test`. Otherwise it passes saying it was skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{REGION, Sim, kms_call};
use serde_json::json;

const RUN_VAR: &str = "NITRO_KMS_RUN_SDK_EXAMPLE";
const BINARY: &str = "aws-sdk-rust-example";
/// Where Debian-like systems keep the CA store the SDK's client loads without `AWS_CA_BUNDLE`.
const PLATFORM_ROOTS: &str = "/etc/ssl/certs";

/// The example binary (built by `make example` into the same target/debug), or `None` (after
/// saying why) when this run is not asked to test it.
fn example_binary() -> Option<PathBuf> {
    if std::env::var(RUN_VAR).as_deref() != Ok("1") {
        eprintln!(
            "skipped: the aws-sdk-rust example is its own workspace with a long cold build; \
             `make example` builds it and runs this test with {RUN_VAR}=1 (CI does, after make test)"
        );
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().and_then(Path::parent).unwrap().join(BINARY);
    assert!(
        path.exists(),
        "{} is not built: `make example` builds it (cargo build --locked --manifest-path \
         examples/aws-sdk-rust/Cargo.toml with CARGO_TARGET_DIR=target)",
        path.display()
    );
    Some(path)
}

/// The example against `sim` over TLS, with the environment a user has after eval-ing the
/// `--print-env` block and exporting the CA (`ca` `None`: no `AWS_CA_BUNDLE`).
fn run_example(binary: &Path, sim: &Sim, ca: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env_clear()
        .env("HOME", &sim.dir)
        .env("AWS_ENDPOINT_URL", https_url(sim))
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // No instance metadata lookups: there is no EC2 instance here.
        .env("AWS_EC2_METADATA_DISABLED", "true");
    if let Some(ca) = ca {
        command.env("AWS_CA_BUNDLE", ca);
    }
    command.output().unwrap()
}

/// A fresh simulation with one key: the simulation, the key's id, and its `--recipient`.
fn simulation_with_a_key() -> (Sim, String, String) {
    let sim = Sim::start(&[]);
    let key = kms_call(&sim, "CreateKey", &json!({})).json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let recipient = format!("simulated:{}", sim.dir.display());
    (sim, key, recipient)
}

/// The simulation's TLS endpoint, as the example is pointed at it.
fn https_url(sim: &Sim) -> String {
    format!("https://{}", sim.authority())
}

/// The example's stderr, once it is known to have failed as a step fails (status 1).
fn failed_step(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    stderr
}

/// Checks that the example's first request was refused in the TLS handshake, for the
/// certificate.
fn assert_tls_refused(out: &Output) {
    let stderr = failed_step(out);
    assert!(
        stderr.starts_with("aws-sdk-rust-example: GenerateDataKey: ")
            && stderr.contains("invalid peer certificate"),
        "{stderr}"
    );
}

#[test]
fn the_aws_sdk_for_rust_gets_an_attested_data_key_over_tls_with_the_verified_ca() {
    let Some(binary) = example_binary() else {
        return;
    };
    let (sim, key, recipient) = simulation_with_a_key();
    let ca = sim.verified_ca(&https_url(&sim));
    let out = run_example(
        &binary,
        &sim,
        Some(&ca),
        &["--key-id", &key, "--recipient", &recipient],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[0].starts_with("endpoint: https://"), "{stdout}");
    assert!(lines[0].contains(&ca.display().to_string()), "{stdout}");
    assert!(lines[1].starts_with("attestation: "), "{stdout}");
    assert!(
        lines[2].starts_with("GenerateDataKey: key ") && lines[2].contains(&key),
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("Decrypt: ") && lines[3].ends_with(": match"),
        "{stdout}"
    );
    assert!(lines[4].contains("example complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn without_the_verified_ca_the_tls_handshake_is_refused() {
    let Some(binary) = example_binary() else {
        return;
    };
    let (sim, key, recipient) = simulation_with_a_key();
    let args = ["--key-id", key.as_str(), "--recipient", recipient.as_str()];
    // Another CA: the simulated NSM's root is not the service's CA; only what service verify
    // wrote is.
    assert_tls_refused(&run_example(
        &binary,
        &sim,
        Some(&sim.dir.join("root.pem")),
        &args,
    ));
    // No AWS_CA_BUNDLE: the platform's roots, as the SDK's default client; the enclave's own CA
    // is not among them. (The SDK asserts, in debug builds, that the platform has roots: a
    // machine without a CA store, such as a bare container, cannot run this half.)
    if Path::new(PLATFORM_ROOTS).is_dir() {
        assert_tls_refused(&run_example(&binary, &sim, None, &args));
    } else {
        eprintln!("no {PLATFORM_ROOTS}: the platform-roots half of this test did not run");
    }
}

#[test]
fn a_mistyped_simulated_world_is_refused_before_any_request() {
    let Some(binary) = example_binary() else {
        return;
    };
    let (sim, key, _) = simulation_with_a_key();
    let ca = sim.verified_ca(&https_url(&sim));
    let missing = sim.dir.join("no-such-world");
    let recipient = format!("simulated:{}", missing.display());
    let out = run_example(
        &binary,
        &sim,
        Some(&ca),
        &["--key-id", &key, "--recipient", &recipient],
    );
    let stderr = failed_step(&out);
    assert!(
        stderr.contains(&format!("no simulated world at {}", missing.display())),
        "{stderr}"
    );
    assert!(!missing.exists(), "checking must not create the world");
}
